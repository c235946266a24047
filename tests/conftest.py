"""Shared test setup: real MNIST from ../shared/data, and throwaway course folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

import course_config

REPO = course_config.COURSE_ROOT
MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
FIXTURES = Path(__file__).parent / "fixtures"

# Tests read the real data through the kit's loader, from the shared copy; nothing downloads.
os.environ[course_config.MNIST_PATH_ENV] = str(MNIST)


def make_course(root: Path) -> Path:
    """A course folder with this repository's source/ and release/, and nothing graded yet."""
    for folder in (course_config.SOURCE_DIR, course_config.RELEASE_DIR):
        shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    return make_course(tmp_path / "course")


def solution_namespace(assignment: str, replace: dict[str, str] | None = None) -> dict:
    """Run the imports cell and every solution code cell of a source notebook in a namespace.

    ``replace`` maps a cell's grade id to other code for it (a defect under test).
    """
    path = REPO / course_config.SOURCE_DIR / assignment / f"{assignment}.ipynb"
    ns: dict = {}
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        wanted = meta.get("grade_id") == "imports" or meta.get("solution")
        if cell.cell_type == "code" and wanted:
            exec((replace or {}).get(meta["grade_id"], cell.source), ns)
    return ns


def grade_fixtures(tmp_path_factory, assignment: str, only: tuple[str, ...] = ()):
    """Grade the fixture notebooks of an assignment (all, or ``only`` these) into a throwaway
    course, once.

    Returns the course and the reports by student (the fixture's file name).
    """
    from autograder.course import Course
    from autograder.grading.pipeline import grade_assignment

    root = tmp_path_factory.mktemp("graded")
    course = Course.at(make_course(root / "course"))
    submissions = FIXTURES / assignment
    if only:
        submissions = root / "submissions"
        submissions.mkdir()
        for name in only:
            shutil.copy(FIXTURES / assignment / f"{name}.ipynb", submissions)
    reports = grade_assignment(course, assignment, submissions)
    return course, {report.student: report for report in reports}


def scores(report) -> dict[str, float]:
    return {result.function: result.score for result in report.results}


def failures(report) -> dict[str, list[str]]:
    return {r.function: r.messages for r in report.results if not r.passed}


def assert_loses_exactly(report, points: dict[str, float], function: str, message: str) -> None:
    """The report lost the points of ``function`` only, with ``message`` as its one failure."""
    assert scores(report) == {f: (0 if f == function else p) for f, p in points.items()}
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
