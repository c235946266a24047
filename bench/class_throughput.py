"""Grading a class: the kit on all cores against sequential nbgrader, as ratios from one run.

    .venv/bin/python bench/class_throughput.py [N] [MIX]   (N submissions, default 8)

Runs, one after another, on the same N cnn_mnist submissions (test fixtures that train on all
of MNIST, drawn in turn from MIX):
  defects    the solution and seven defects, six of which break get_model or compile_model, so
             the kit trains a second time, on a reference model, to grade train_model (default)
  class      a class that mostly works: two full-mark notebooks, four defects that leave the
             model alone (the notebook's own training is graded), two that make the kit retrain
  nbgrader   nbgrader autograde of the whole class (one student after another; cell limit 600 s)
  kit        autograder grade on a local Dask cluster (one worker per core), without feedback
  nbgrader   nbgrader autograde --force of the class again: the kit's first grading sits between
             two nbgrader runs, and its baseline is their mean, so that the machine's speed
             drifting during the run weighs on both sides (both nbgrader times are printed)
  regrade    autograder grade --regrade of the same class: the longest last gradings go first
  alone      autograder grade of the first submission (the solution) by itself
Each side's assignment is released first, untimed, as a course does before students submit
(nbgrader generate_assignment; autograder release, which also registers it in the gradebook).
It prints the times, the throughput ratios nbgrader (mean of both runs)/kit and nbgrader (the
run before it)/regrade, whether the regrade gave every submission identical results and whether
the solution got identical results (scores and the accuracy the grader measured) alone and
among the others, the Dask overhead per task (200 empty tasks) and, from these, the expected
time of 1,000 submissions on 1, 8 and 64 workers. Compare ratios from one run, not seconds
across runs.
"""

from __future__ import annotations

import json
import math
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
FIXTURES = REPO / "tests" / "fixtures" / "cnn_mnist"
MIXES = {
    "defects": ("solution", "sixteen_filters", "three_epochs", "valid_padding", "no_softmax",
                "sgd_optimizer", "missing_dense_layer", "categorical_crossentropy"),
    "class": ("solution", "keras2_style_solution", "evaluate_returns_reversed", "three_epochs",
              "only_test_images_scaled", "syntax_error_in_evaluate_cell", "sixteen_filters",
              "sgd_optimizer"),
}


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def submissions(folder: Path, count: int, mix: tuple[str, ...]) -> list[str]:
    """``count`` students in nbgrader's layout, their notebooks drawn from ``mix`` in turn."""
    students = [f"s{index:02d}_{mix[index % len(mix)]}" for index in range(count)]
    for student in students:
        target = folder / student / "cnn_mnist"
        target.mkdir(parents=True)
        shutil.copy(FIXTURES / f"{student[4:]}.ipynb", target / "cnn_mnist.ipynb")
    return students


def kit_course(root: Path) -> Path:
    for name in ("source", "release"):
        shutil.copytree(REPO / name, root / name)
    return root


def results(course: Path, student: str) -> dict:
    return json.loads((course / "autograded" / student / "cnn_mnist" / "results.json").read_text())


def dask_overhead(tasks: int = 200) -> float:
    """Seconds per task that Dask adds: empty tasks through a local cluster, one at a time."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.submit(int, 0).result()
        started = time.perf_counter()
        for index in range(tasks):
            client.submit(int, index, pure=False).result()
        return (time.perf_counter() - started) / tasks


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    mix = sys.argv[2] if len(sys.argv) > 2 else "defects"
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               MNIST_PATH=os.environ.get("MNIST_PATH", str(REPO.parent / "shared/data/mnist.npz")))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        course = root / "nbgrader-course"
        shutil.copytree(REPO / "source", course / "source")
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\nc.CourseDirectory.root = {!r}\nc.Execute.timeout = 600\n"
            "c.Exchange.root = {!r}\n".format(str(course), str(root / "exchange")))
        students = submissions(course / "submitted", count, MIXES[mix])
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "cnn_mnist"], cwd=course,
                       env=env, check=True, capture_output=True)
        autograde = [str(BIN / "nbgrader"), "autograde", "cnn_mnist"]
        nbgrader = timed(autograde, course, env)

        grade = [str(BIN / "autograder"), "--course"]
        flags = ["grade", "cnn_mnist", str(course / "submitted"), "--no-feedback"]
        among = kit_course(root / "kit-class")
        subprocess.run([*grade[:2], str(among), "release", "cnn_mnist"], cwd=root, env=env,
                       check=True, capture_output=True)
        kit = timed([*grade, str(among), *flags], root, env)
        first = {s: results(among, s)["functions"] for s in students}
        per_submission = [results(among, s)["seconds"] for s in students]
        nbgrader_again = timed([*autograde, "--force"], course, env)
        regrade = timed([*grade, str(among), *flags, "--regrade"], root, env)
        stable = all(results(among, s)["functions"] == first[s] for s in students)
        alone_subs = root / "alone"
        shutil.copytree(course / "submitted" / students[0], alone_subs / students[0])
        alone = kit_course(root / "kit-alone")
        timed([*grade, str(alone), *flags[:2], str(alone_subs), "--no-feedback"], root, env)

        same = (results(alone, students[0])["functions"]
                == results(among, students[0])["functions"])
    overhead = dask_overhead()
    cost = statistics.mean(per_submission)
    workers = len(os.sched_getaffinity(0))
    # start-up, the coordinator's recording, and workers idle at the end (the tail)
    outside = max(0.0, kit - sum(per_submission) / workers)
    print(f"{count} cnn_mnist submissions (mix: {mix}), {workers} cores")
    baseline = (nbgrader + nbgrader_again) / 2
    print(f"sequential nbgrader autograde: {nbgrader:7.1f} s before the kit, "
          f"{nbgrader_again:7.1f} s after it; mean {baseline:7.1f} s")
    print(f"kit on {workers} workers:          {kit:7.1f} s")
    print(f"throughput kit / nbgrader (mean) = {baseline / kit:.2f}x")
    print(f"kit regrading the class (longest first): {regrade:7.1f} s: "
          f"{nbgrader_again / regrade:.2f}x the nbgrader run just before it; "
          f"{'identical results' if stable else 'DIFFERENT results'} for every submission")
    print(f"kit per submission (in its worker): mean {cost:.1f} s, median "
          f"{statistics.median(per_submission):.1f} s, slowest {max(per_submission):.1f} s")
    print(f"{students[0]} alone and among {count - 1} others in parallel: "
          f"{'identical results' if same else 'DIFFERENT results'}")
    print(f"Dask overhead per task: {overhead * 1000:.1f} ms; the run outside parallel grading "
          f"(start-up, tail): {outside:.0f} s")
    for n in (1, 8, 64):
        hours = (outside + math.ceil(1000 / n) * (cost + overhead)) / 3600
        print(f"1,000 submissions on {n:2d} workers: {hours:6.2f} h")


if __name__ == "__main__":
    main()
