"""Cost of grading one cnn_mnist submission, as ratios against baselines run in this script.

    .venv/bin/python bench/grading_cost.py [NOTEBOOK] [ROUNDS]

Runs on the same notebook (default: the solution fixture), in each of ROUNDS rounds (default 3),
in an order that rotates from round to round so that no method always runs first:
  floor    jupyter nbconvert --execute (the notebook alone, nothing graded)
  nbgrader nbgrader generate_assignment + autograde in a throwaway course (autograde timed)
  kit      autograder grade (restore, execute, verify in the grader, record) without feedback,
           of the notebook submitted twice: the first warms the worker up (the TensorFlow
           import, MNIST read once per worker), the second is graded by a warm worker
and prints each round's times and ratios, then the medians of the ratios over the rounds: per
submission (the time the warm worker took for the second, from its results.json) against the
floor and nbgrader, and the whole command against two nbgrader runs. The machine is shared and
noisy: compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT = REPO / "tests" / "fixtures" / "cnn_mnist" / "solution.ipynb"


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def floor_time(notebook: Path, root: Path, env: dict[str, str]) -> float:
    shutil.copy(notebook, root / "floor.ipynb")
    return timed([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                  "--ExecutePreprocessor.timeout=600", "--output", "floor-out.ipynb",
                  "floor.ipynb"], root, env)


def nbgrader_time(notebook: Path, root: Path, env: dict[str, str]) -> float:
    course = root / "nbgrader-course"
    shutil.copytree(REPO / "source", course / "source")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = {!r}\nc.Execute.timeout = 600\n"
        "c.Exchange.root = {!r}\n".format(str(course), str(root / "exchange")))
    submitted = course / "submitted" / "student" / "cnn_mnist"
    submitted.mkdir(parents=True)
    shutil.copy(notebook, submitted / "cnn_mnist.ipynb")
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "cnn_mnist"], cwd=course,
                   env=env, check=True, capture_output=True)
    return timed([str(BIN / "nbgrader"), "autograde", "cnn_mnist"], course, env)


def kit_times(notebook: Path, root: Path, env: dict[str, str]) -> tuple[float, float]:
    """The whole command for two submissions, and the warm worker's time for the second."""
    kit_course = root / "kit-course"
    shutil.copytree(REPO / "source", kit_course / "source")
    shutil.copytree(REPO / "release", kit_course / "release")
    submissions = root / "kit-submissions"
    submissions.mkdir()
    shutil.copy(notebook, submissions / "a_first.ipynb")
    shutil.copy(notebook, submissions / "b_second.ipynb")
    command = timed([str(BIN / "autograder"), "--course", str(kit_course), "grade", "cnn_mnist",
                     str(submissions), "--no-feedback", "--workers", "1"], root, env)
    warm = json.loads((kit_course / "autograded" / "b_second" / "cnn_mnist" /
                       "results.json").read_text())["seconds"]
    return command, warm


def main() -> None:
    notebook = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               MNIST_PATH=os.environ.get("MNIST_PATH", str(REPO.parent / "shared/data/mnist.npz")))
    methods = ["floor", "nbgrader", "kit"]
    ratios: dict[str, list[float]] = {"kit/floor": [], "kit/nbgrader": [], "command": []}
    print(f"notebook: {notebook.name}, {rounds} rounds")
    for round_ in range(rounds):
        order = methods[round_ % 3:] + methods[:round_ % 3]
        times: dict[str, float] = {}
        for method in order:
            with tempfile.TemporaryDirectory() as tmp:
                if method == "floor":
                    times["floor"] = floor_time(notebook, Path(tmp), env)
                elif method == "nbgrader":
                    times["nbgrader"] = nbgrader_time(notebook, Path(tmp), env)
                else:
                    times["command"], times["kit"] = kit_times(notebook, Path(tmp), env)
        ratios["kit/floor"].append(times["kit"] / times["floor"])
        ratios["kit/nbgrader"].append(times["kit"] / times["nbgrader"])
        ratios["command"].append(times["command"] / (2 * times["nbgrader"]))
        print(f"round {round_ + 1} ({', '.join(order)}): floor {times['floor']:.1f} s, "
              f"nbgrader {times['nbgrader']:.1f} s, kit per submission (warm) "
              f"{times['kit']:.1f} s, kit command for two {times['command']:.1f} s: "
              f"kit/floor {ratios['kit/floor'][-1]:.2f}, "
              f"kit/nbgrader {ratios['kit/nbgrader'][-1]:.2f}", flush=True)
    print(f"median over {rounds} rounds: per submission kit/floor = "
          f"{statistics.median(ratios['kit/floor']):.2f}, kit/nbgrader = "
          f"{statistics.median(ratios['kit/nbgrader']):.2f}; whole command for two: "
          f"kit / (2 x nbgrader) = {statistics.median(ratios['command']):.2f}")


if __name__ == "__main__":
    main()
