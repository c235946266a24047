"""Keys of grades: a submission's content and the assignment's version decide what is regraded."""

import json
import shutil

import pytest

import course_config
from autograder import assignments
from autograder.course import Course
from autograder.grading import ledger, pipeline
from autograder.grading.execute import DEFAULT_LIMITS, Limits
from autograder.grading.record import SubmissionReport, record
from autograder.grading.submissions import Submission
from tests.conftest import FIXTURES, make_course


@pytest.fixture
def course(tmp_path):
    return Course.at(make_course(tmp_path / "course"))


def _submission(tmp_path, student="ada", name="blank"):
    folder = tmp_path / "submitted" / student / "cnn_mnist"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "cnn_mnist" / f"{name}.ipynb", folder / "cnn_mnist.ipynb")
    return Submission(student, folder / "cnn_mnist.ipynb")


def test_a_submission_key_follows_its_notebook_and_data_files_only(tmp_path):
    submission = _submission(tmp_path)
    first = ledger.submission_key(submission)
    assert ledger.submission_key(_submission(tmp_path, "grace")) == first  # same content
    (submission.notebook.parent / "weights.npy").write_bytes(b"\0" * 8)
    with_data = ledger.submission_key(submission)
    assert with_data != first
    (submission.notebook.parent / "weights.npy").write_bytes(b"\1" * 8)
    assert ledger.submission_key(submission) not in (first, with_data)
    (submission.notebook.parent / "weights.npy").unlink()
    assert ledger.submission_key(submission) == first
    _submission(tmp_path, name="solution")
    assert ledger.submission_key(submission) != first


def test_the_assignment_version_follows_thresholds_limits_and_the_source(course):
    version = ledger.assignment_version(course, "cnn_mnist", DEFAULT_LIMITS)
    assert ledger.assignment_version(course, "cnn_mnist", DEFAULT_LIMITS) == version
    assert ledger.assignment_version(course, "cnn_mnist", Limits(cell_s=20)) != version
    assert ledger.assignment_version(course, "keras_digits", DEFAULT_LIMITS) != version
    thresholds = course_config.ASSIGNMENTS["cnn_mnist"].thresholds
    saved = thresholds["min_test_accuracy"]
    thresholds["min_test_accuracy"] = 0.5
    try:
        assert ledger.assignment_version(course, "cnn_mnist", DEFAULT_LIMITS) != version
    finally:
        thresholds["min_test_accuracy"] = saved
    with course.source("cnn_mnist").open("a") as source:
        source.write("\n")
    assert ledger.assignment_version(course, "cnn_mnist", DEFAULT_LIMITS) != version


def test_the_version_holds_the_kit_but_not_the_other_assignments_modules():
    names = {path.name for path in assignments.code_files("improve_mnist")}
    assert {"improve_mnist.py", "improve_mnist_augmented.py", "common.py", "runs.py",
            "cli.py", "models.py"} <= names
    assert not names & {"cnn_mnist.py", "keras_digits.py", "mnist_baselines.py", "digit_sum.py"}
    assert "improve_mnist_augmented.py" not in {
        path.name for path in assignments.code_files("cnn_mnist")}


def test_plan_leaves_out_only_grades_with_the_same_key(course, tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.gradebook.record", lambda *args, **kwargs: None)
    for student in ("ada", "grace", "alan", "linus"):
        _submission(tmp_path, student)
    first = pipeline.plan(course, "cnn_mnist", tmp_path / "submitted")
    assert [s.student for s in first.todo] == ["ada", "alan", "grace", "linus"]
    assert not first.skipped
    for student, seconds in (("ada", 30.0), ("grace", 90.0), ("linus", 0.0)):
        record(course, "cnn_mnist", "cnn_mnist",
               SubmissionReport(student, [], seconds=seconds, key=first.keys[student]), None)
    _submission(tmp_path, "grace", "solution")  # grace resubmits
    again = pipeline.plan(course, "cnn_mnist", tmp_path / "submitted")
    assert [s.student for s in again.todo] == ["alan", "grace"]
    assert [s.student for s in again.skipped] == ["ada", "linus"]
    # the longest last grading first; never graded (cost unknown) before any; 0 s is known
    forced = pipeline.plan(course, "cnn_mnist", tmp_path / "submitted", regrade=True)
    assert [s.student for s in forced.todo] == ["alan", "grace", "ada", "linus"]
    stored = json.loads((course.autograded("cnn_mnist", "ada") / "results.json").read_text())
    assert stored["key"] == first.keys["ada"]
    (course.autograded("cnn_mnist", "ada") / "results.json").write_text("{not json")
    assert "ada" in [s.student for s in pipeline.plan(course, "cnn_mnist",
                                                       tmp_path / "submitted").todo]
