"""What starting a submission's kernel ahead saves it, as a ratio from one run.

    .venv/bin/python bench/kernel_ahead.py [ROUNDS]      (default 3)

Each round runs the same small notebook (TensorFlow and Keras imported, a model built and
used once) twice in sandboxed grading kernels, as a worker does (autograder/grading/kernel.py):
  cold   the kernel is started when the notebook arrives (start, TensorFlow import, then cells)
  ahead  the kernel was started 15 s earlier, while "the previous submission" ran, as a worker
         does for its next submission; only the notebook's own run is timed
and prints the median time from the notebook's arrival to its last output, and the ratio. The
time saved is start-up taken off each submission's path; on a machine whose cores are all busy
grading, the start-up's CPU is still spent, alongside. Compare ratios, not seconds across runs.
"""

from __future__ import annotations

import statistics
import sys
import time

from nbformat.v4 import new_code_cell, new_notebook

from autograder.grading import execute
from autograder.grading.kernel import Kernel

CELLS = ("import keras\nimport numpy as np",
         "model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3),\n"
         "                          keras.layers.Flatten(), keras.layers.Dense(10)])\n"
         "print(model(np.zeros((1, 28, 28, 1))).shape)")


def one_run(kernel: Kernel) -> float:
    """Seconds from the notebook's arrival to its end, in ``kernel`` (started or not)."""
    nb = new_notebook(cells=[new_code_cell(source) for source in CELLS])
    started = time.perf_counter()
    with kernel:
        log = execute.run(nb, kernel)
    seconds = time.perf_counter() - started
    if log.errors or log.stopped:
        raise SystemExit(f"the notebook failed: {log.errors or log.stopped}")
    return seconds


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    cold, ahead = [], []
    for _ in range(rounds):
        cold.append(one_run(Kernel.in_temporary_folder()))
        waiting = Kernel.in_temporary_folder().start()
        time.sleep(15)
        ahead.append(one_run(waiting))
    print(f"{rounds} rounds; notebook arrival to end, median:")
    print(f"cold kernel (started on arrival): {statistics.median(cold):5.1f} s")
    print(f"kernel started ahead:             {statistics.median(ahead):5.1f} s")
    print(f"ahead / cold = {statistics.median(ahead) / statistics.median(cold):.2f}")


if __name__ == "__main__":
    main()
