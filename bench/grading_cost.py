"""Cost of grading one cnn_mnist submission, as ratios against baselines run in this script.

    .venv/bin/python bench/grading_cost.py [NOTEBOOK]

Runs, one after another on the same notebook (default: the solution fixture):
  floor    jupyter nbconvert --execute (the notebook alone, nothing graded)
  nbgrader nbgrader generate_assignment + autograde in a throwaway course (autograde timed)
  kit      autograder grade (restore, execute, verify in the grader, record) without feedback,
           of the notebook submitted twice: the first warms the worker up (the TensorFlow
           import, MNIST read once per worker), the second is graded by a warm worker
and prints each time and the ratios against the floor and nbgrader: per submission (the time
the warm worker took for the second, from its results.json) and for the whole command. The
machine is shared and noisy: compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import json
import os
import shutil
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


def main() -> None:
    notebook = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               MNIST_PATH=os.environ.get("MNIST_PATH", str(REPO.parent / "shared/data/mnist.npz")))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(notebook, root / "floor.ipynb")
        floor = timed([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                       "--ExecutePreprocessor.timeout=600", "--output", "floor-out.ipynb",
                       "floor.ipynb"], root, env)

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
        nbgrader = timed([str(BIN / "nbgrader"), "autograde", "cnn_mnist"], course, env)

        kit_course = root / "kit-course"
        shutil.copytree(REPO / "source", kit_course / "source")
        shutil.copytree(REPO / "release", kit_course / "release")
        submissions = root / "kit-submissions"
        submissions.mkdir()
        shutil.copy(notebook, submissions / "a_first.ipynb")
        shutil.copy(notebook, submissions / "b_second.ipynb")
        kit = timed([str(BIN / "autograder"), "--course", str(kit_course), "grade", "cnn_mnist",
                     str(submissions), "--no-feedback", "--workers", "1"], root, env)
        warm = json.loads((kit_course / "autograded" / "b_second" / "cnn_mnist" /
                           "results.json").read_text())["seconds"]

    print(f"notebook: {notebook.name}")
    print(f"floor (nbconvert --execute): {floor:6.1f} s")
    print(f"plain nbgrader autograde:    {nbgrader:6.1f} s")
    print(f"kit, per submission (warm):  {warm:6.1f} s")
    print(f"kit command, two submissions:{kit:6.1f} s (one worker, starting cold)")
    print(f"per submission: kit / floor    = {warm / floor:.2f}")
    print(f"per submission: kit / nbgrader = {warm / nbgrader:.2f}")
    print(f"whole command for two: kit / (2 x nbgrader) = {kit / (2 * nbgrader):.2f}")


if __name__ == "__main__":
    main()
