"""How much faster two cores train than one on this machine: the ceiling of parallel grading.

    .venv/bin/python bench/parallel_ceiling.py

Runs the cnn_mnist solution (tests/fixtures/cnn_mnist/solution.ipynb, all of MNIST) in a
sandboxed grading kernel started 20 s ahead, as a worker does, first alone and then two copies
side by side (each in its own process, kernel and core), and prints the notebooks' run times and
  ceiling = 2 x alone / side by side
the most any number of parallel workers on this machine can gain over grading one notebook
after another with the same per-kernel threads. Compare the ratio, not seconds across runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "tests" / "fixtures" / "cnn_mnist" / "solution.ipynb"
AHEAD_S = 20


def one() -> None:
    """Run the notebook once in a kernel started ahead; print its run time in seconds."""
    from autograder.grading import execute
    from autograder.grading.kernel import Kernel

    kernel = Kernel.in_temporary_folder().start()
    time.sleep(AHEAD_S)
    with kernel:
        started = time.perf_counter()
        log = execute.run(nbformat.read(NOTEBOOK, as_version=4), kernel)
        seconds = time.perf_counter() - started
    if log.errors or log.stopped:
        raise SystemExit(f"the notebook failed: {log.errors or log.stopped}")
    print(seconds)


def side_by_side(copies: int) -> list[float]:
    env = dict(os.environ, MNIST_PATH=os.environ.get(
        "MNIST_PATH", str(REPO.parent / "shared" / "data" / "mnist.npz")))
    runs = [subprocess.Popen([sys.executable, __file__, "one"], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for _ in range(copies)]
    outputs = [run.communicate()[0] for run in runs]
    if any(run.returncode for run in runs):
        raise SystemExit(f"a run failed: {outputs}")
    return [float(output.split()[-1]) for output in outputs]


def main() -> None:
    if sys.argv[1:] == ["one"]:
        one()
        return
    alone = side_by_side(1)[0]
    pair = side_by_side(2)
    print(f"cnn_mnist solution, one kernel thread each, {os.cpu_count()} cores")
    print(f"alone:        {alone:6.1f} s")
    print(f"side by side: {pair[0]:6.1f} s and {pair[1]:6.1f} s")
    print(f"ceiling of parallel grading = 2 x alone / side by side = "
          f"{2 * alone / max(pair):.2f}x")


if __name__ == "__main__":
    main()
