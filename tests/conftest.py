"""Shared test setup: real MNIST from ../shared/data, and throwaway course folders."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import numpy as np
import pytest

import course_config

REPO = course_config.COURSE_ROOT
MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
FIXTURES = Path(__file__).parent / "fixtures"

# Tests read the real data through the kit's loader, from the shared copy; nothing downloads.
os.environ[course_config.MNIST_PATH_ENV] = str(MNIST)

# Wrong submissions are graded on the first SAMPLE_TRAIN training images of real MNIST (all
# 10,000 test images) to keep the suite fast; the instructor solutions train on all of MNIST and
# meet the thresholds of course_config. On the sample, these thresholds hold instead: below the
# worst of 3 seeds of the solution's code on it (`calibrate` on the sample, 2026-12-05, worst
# seed in the comments) by at least 3 standard errors, so that another CPU's weights still clear
# them.
SAMPLE_TRAIN = 6000
SAMPLE_THRESHOLDS = {
    "cnn_mnist": {"min_test_accuracy": 0.92},  # 0.9366: 4.3 SE
    "keras_digits": {"dense_min_accuracy": 0.925, "cnn_min_accuracy": 0.945},  # 0.9540, 0.9640
    "mnist_baselines": {"logistic_min_accuracy": 0.885, "mlp_min_accuracy": 0.905,
                        "cnn_min_accuracy": 0.935},  # 0.8996 (any seed), 0.9200, 0.9486
    "improve_mnist": {"first_min_accuracy": 0.90, "max_errors": 400,
                      "augmented_min_accuracy": 0.955},  # 0.9150, 150 errors, 0.9680
}  # digit_sum's sum output needs all of MNIST to learn adding (0.71 on the sample): graded in full


def make_course(root: Path) -> Path:
    """A course folder with this repository's source/ and release/, and nothing graded yet."""
    for folder in (course_config.SOURCE_DIR, course_config.RELEASE_DIR):
        shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    return make_course(tmp_path / "course")


def solution_namespace(assignment: str, replace: dict[str, str] | None = None) -> dict:
    """The source notebook's imports and solution cells run in a namespace; ``replace`` maps a
    cell's grade id to other code for it (a defect under test)."""
    from autograder.calibrate import solution_namespace as run_solution

    return run_solution(REPO / course_config.SOURCE_DIR / assignment / f"{assignment}.ipynb",
                        replace)


def write_submission(assignment: str, path: Path, replace: dict[str, str] | None) -> Path:
    """A submission made from the committed release, as a student fills it in: each solution
    cell holds the source's solution (markers dropped), or ``replace[grade_id]`` (a defect);
    with ``replace`` None, the release as it is (a blank submission)."""
    source = REPO / course_config.SOURCE_DIR / assignment / f"{assignment}.ipynb"
    solutions = {cell.metadata["nbgrader"]["grade_id"]: cell.source
                 for cell in nbformat.read(source, as_version=4).cells
                 if cell.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(REPO / course_config.RELEASE_DIR / assignment / f"{assignment}.ipynb",
                       as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions and replace is not None:
            cell.source = replace[grade_id] if grade_id in replace else "\n".join(
                line for line in solutions[grade_id].splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def mnist_sample(tmp_path_factory) -> Path:
    """The first SAMPLE_TRAIN training images and labels of real MNIST, with all test images."""
    path = tmp_path_factory.mktemp("data") / "mnist_sample.npz"
    with np.load(MNIST, allow_pickle=False) as data:
        np.savez(path, x_train=data["x_train"][:SAMPLE_TRAIN],
                 y_train=data["y_train"][:SAMPLE_TRAIN], x_test=data["x_test"],
                 y_test=data["y_test"])
    return path


@contextmanager
def training_on_sample(assignment: str, sample: Path) -> Iterator[None]:
    """Kernels and grader read ``sample`` and judge by SAMPLE_THRESHOLDS, for this block only."""
    thresholds = course_config.ASSIGNMENTS[assignment].thresholds
    saved = dict(thresholds)
    thresholds.update(SAMPLE_THRESHOLDS.get(assignment, {}))
    os.environ[course_config.MNIST_PATH_ENV] = str(sample)
    try:
        yield
    finally:
        os.environ[course_config.MNIST_PATH_ENV] = str(MNIST)
        thresholds.clear()
        thresholds.update(saved)


@pytest.fixture(scope="session")
def grading_client():
    """One Dask worker inside this test process, for every end-to-end grading in it (so that
    settings changed here, such as the sample's thresholds, hold for the grader too); kernels
    are sandboxed processes as ever."""
    from autograder.grading import cluster

    with cluster.connect(workers=1, processes=False) as client:
        yield client


def grade_fixtures(tmp_path_factory, client, assignment: str, only: tuple[str, ...] = (),
                   sample: Path | None = None,
                   patches: dict[str, dict[str, str] | None] | None = None):
    """Grade the fixture notebooks of an assignment (all, or ``only`` these, plus ``patches``:
    submissions written by write_submission, by student) into a throwaway course, once; on all
    of MNIST, or on ``sample`` with SAMPLE_THRESHOLDS.

    Returns the course and the reports by student (the fixture's file name).
    """
    from autograder.course import Course

    root = tmp_path_factory.mktemp("graded")
    course = Course.at(make_course(root / "course"))
    submissions = FIXTURES / assignment
    if only or patches:
        submissions = root / "submissions"
        submissions.mkdir()
        for name in only:
            shutil.copy(FIXTURES / assignment / f"{name}.ipynb", submissions)
        for name, replace in (patches or {}).items():
            write_submission(assignment, submissions / f"{name}.ipynb", replace)
    if sample is None:
        reports = grade_here(client, course, assignment, submissions)
    else:
        with training_on_sample(assignment, sample):
            reports = grade_here(client, course, assignment, submissions)
    return course, {report.student: report for report in reports}


def grade_here(client, course, assignment: str, submissions: Path, **options) -> list:
    """Grade with ``client`` (see grading_client); no submission may fail to grade."""
    from autograder.grading import pipeline

    outcome = pipeline.run(pipeline.plan(course, assignment, submissions, **options), client)
    assert not outcome.failed
    return outcome.reports


def scores(report) -> dict[str, float]:
    return {result.function: result.score for result in report.results}


def failures(report) -> dict[str, list[str]]:
    return {r.function: r.messages for r in report.results if not r.passed}


def assert_blank_gets_zero(report, points: dict[str, float]) -> None:
    """The blank release scores 0, with one plain message for each function."""
    assert report.score == 0
    assert failures(report) == {
        f: [f"{f} is not written yet: it still raises NotImplementedError."] for f in points}


def assert_loses_exactly(report, points: dict[str, float], function: str,
                         message: str | re.Pattern) -> None:
    """The report lost the points of ``function`` only, with ``message`` as its one failure
    (a pattern where the message holds figures of a trained model, which vary by CPU)."""
    assert scores(report) == {f: (0 if f == function else p) for f, p in points.items()}
    if isinstance(message, re.Pattern):
        [found] = failures(report)[function]
        assert set(failures(report)) == {function} and message.fullmatch(found), found
    else:
        assert failures(report) == {function: [message]}


def assert_hand_grades_add_to_total(course, report, assignment: str) -> None:
    """Scores entered for the solution's written answers add to its total and survive regrading."""
    from nbgrader.api import Gradebook

    from autograder import gradebook

    config = course_config.ASSIGNMENTS[assignment]
    full = sum(config.points.values())
    assert gradebook.scores(assignment, course.db_url)["solution"] == full
    with Gradebook(course.db_url) as gb:
        for grade_id, points in config.manual.items():
            grade = gb.find_grade(grade_id, config.notebook, assignment, "solution")
            assert grade.needs_manual_grade and grade.max_score == points
            grade.manual_score = points
        gb.db.commit()
    total = full + sum(config.manual.values())
    assert gradebook.scores(assignment, course.db_url)["solution"] == total
    gradebook.record(assignment, config.notebook, "solution", report.results, course.db_url,
                     manual=tuple(config.manual))
    assert gradebook.scores(assignment, course.db_url)["solution"] == total
