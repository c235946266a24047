"""Exports from a gradebook of three recorded students: on time, late, and without timestamp."""

import csv
import json

import pytest

from autograder import exports, gradebook
from autograder.checks.results import CheckResult, FunctionResult
from autograder.course import Course
from autograder.grading.record import SubmissionReport, record
from tests.conftest import make_course

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name",
                    "first_name", "email", "raw_score", "late_submission_penalty", "score",
                    "max_score"]
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
PADDING = "get_model: layer 1 (Conv2D): expected padding 'same', found 'valid'."
UNSCALED = "scale_mnist_data: each pixel divided by 255: expected 0.0039, found 1.0."


def results(failed: dict[str, CheckResult]) -> list[FunctionResult]:
    """cnn_mnist's functions, each with one passing check unless ``failed`` gives its check."""
    points = {"scale_mnist_data": 1, "get_model": 2, "compile_model": 1, "train_model": 2,
              "evaluate_model": 1}
    return [FunctionResult(f, p, [failed.get(f, CheckResult(f, "returns", True))])
            for f, p in points.items()]


REPORTS = [
    SubmissionReport("ana", results({}), seconds=61.4, timestamp="2026-10-16 20:00:00"),
    SubmissionReport("ben", results({"get_model": CheckResult("get_model", "layer settings",
                                                              False, PADDING)}),
                     notes=["restored cell test_get_model, which had been edited"],
                     seconds=58.6, timestamp="2026-10-17 02:59:00"),  # 3 h late
    SubmissionReport("cy", results({"scale_mnist_data": CheckResult(
        "scale_mnist_data", "each pixel / 255", False, UNSCALED, hidden=True)}), seconds=70),
]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    course = Course.at(make_course(tmp_path_factory.mktemp("exports") / "course"))
    gradebook.ensure_registered("cnn_mnist", course.root, course.db_url,
                                course.scratch / "registration")
    for report in REPORTS:
        record(course, "cnn_mnist", "cnn_mnist", report, None)
    return course


def check_gradescope_schema(results: dict) -> None:
    """Gradescope's results format: required keys, types, status and visibility values."""
    assert isinstance(results["score"], float)
    assert isinstance(results["execution_time"], int)
    assert isinstance(results["output"], str)
    assert results["visibility"] in VISIBILITY and results["stdout_visibility"] in VISIBILITY
    for test in results["tests"]:
        assert set(test) <= {"name", "name_format", "score", "max_score", "status", "output",
                             "visibility"}
        assert isinstance(test["name"], str) and test["name_format"] == "text"
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in {"passed", "failed"} and test["visibility"] in VISIBILITY
        assert isinstance(test["output"], str) and "Traceback" not in test["output"]
    assert sum(test["score"] for test in results["tests"]) == pytest.approx(results["score"])


def test_nbgrader_export_shows_raw_score_penalty_and_score(course, tmp_path):
    path = exports.nbgrader_csv(course, tmp_path / "grades.csv")
    with path.open() as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == NBGRADER_COLUMNS
        rows = {row["student_id"]: row for row in reader}
    assert {s: (r["assignment"], r["duedate"], r["timestamp"], r["raw_score"],
                r["late_submission_penalty"], r["score"], r["max_score"])
            for s, r in rows.items()} == {
        "ana": ("cnn_mnist", "2026-10-16 23:59:00", "2026-10-16 20:00:00", "7.0", "0.0", "7.0",
                "7.0"),
        "ben": ("cnn_mnist", "2026-10-16 23:59:00", "2026-10-17 02:59:00", "5.0", "0.7", "4.3",
                "7.0"),
        "cy": ("cnn_mnist", "2026-10-16 23:59:00", "", "6.0", "0.0", "6.0", "7.0")}


def test_lms_csv_has_one_row_per_student_with_the_score_after_penalty(course, tmp_path):
    path = exports.lms_csv(course, "cnn_mnist", tmp_path / "lms.csv")
    assert path.read_text() == ("student_id,assignment,score,max_score\n"
                                "ana,cnn_mnist,7,7\n"
                                "ben,cnn_mnist,4.3,7\n"
                                "cy,cnn_mnist,6,7\n")
    with path.open() as file:
        assert [(float(row["score"]), float(row["max_score"])) for row in csv.DictReader(file)] \
            == [(7.0, 7.0), (4.3, 7.0), (6.0, 7.0)]


def test_gradescope_results_of_a_late_submission(course):
    report = json.loads((course.autograded("cnn_mnist", "ben") / "results.json").read_text())
    results = exports.gradescope_results(report, "cnn_mnist")
    check_gradescope_schema(results)
    assert (results["score"], results["execution_time"]) == (4.3, 59)
    assert results["output"] == (
        "Score: 4.3 of 7 points.\n"
        "Submitted 3 h late: -0.7 points (10 % of the maximum per started day, at most 50 %).\n"
        "Note: restored cell test_get_model, which had been edited.")
    assert [(t["name"], t["score"], t["max_score"], t["status"], t["output"])
            for t in results["tests"]] == [
        ("scale_mnist_data", 1.0, 1.0, "passed", "All 1 checks passed."),
        ("get_model", 0.0, 2.0, "failed", PADDING),
        ("compile_model", 1.0, 1.0, "passed", "All 1 checks passed."),
        ("train_model", 2.0, 2.0, "passed", "All 1 checks passed."),
        ("evaluate_model", 1.0, 1.0, "passed", "All 1 checks passed."),
        ("Late submission", -0.7, 0.0, "failed", "Submitted 3 h late: -0.7 points (10 % of the "
         "maximum per started day, at most 50 %).")]


def test_gradescope_names_a_failed_hidden_check_without_its_details(course):
    report = json.loads((course.autograded("cnn_mnist", "cy") / "results.json").read_text())
    results = exports.gradescope_results(report, "cnn_mnist")
    check_gradescope_schema(results)
    assert (results["score"], results["output"]) == (6.0, "Score: 6 of 7 points.")
    assert results["tests"][0]["output"] == f"{UNSCALED} (hidden check: each pixel / 255)"
    assert [t["name"] for t in results["tests"]][-1] == "evaluate_model"


def test_export_writes_all_three_and_says_where(course, capsys):
    assert exports.export_command(course, "cnn_mnist") == 0
    folder = course.exports("cnn_mnist")
    assert capsys.readouterr().out == (
        "exported cnn_mnist:\n"
        f"  nbgrader's CSV: {folder / 'nbgrader.csv'}\n"
        f"  Canvas / Moodle CSV: {folder / 'lms.csv'}\n"
        f"  Gradescope results of 3 student(s): {folder / 'gradescope'}/<student>/results.json\n")
    assert (folder / "lms.csv").read_text().startswith("student_id,assignment,score,max_score\n")
    assert (folder / "nbgrader.csv").read_text().startswith(",".join(NBGRADER_COLUMNS) + "\n")
    for student, score in (("ana", 7.0), ("ben", 4.3), ("cy", 6.0)):
        results = json.loads((folder / "gradescope" / student / "results.json").read_text())
        check_gradescope_schema(results)
        assert results["score"] == score


def test_export_of_an_assignment_never_graded_says_so(course, capsys):
    assert exports.export_command(course, "keras_digits") == 1
    assert capsys.readouterr().out == ("keras_digits has no grades in the gradebook yet: grade "
                                       "it first (autograder grade keras_digits)\n")


def test_a_regrade_on_time_clears_the_penalty(tmp_path):
    course = Course.at(make_course(tmp_path / "course"))
    gradebook.ensure_registered("cnn_mnist", course.root, course.db_url,
                                course.scratch / "registration")
    late = SubmissionReport("dee", results({}), timestamp="2026-10-20 00:00:00")
    record(course, "cnn_mnist", "cnn_mnist", late, None)
    lms = course.exports("cnn_mnist") / "lms.csv"
    assert exports.lms_csv(course, "cnn_mnist", lms).read_text().endswith("dee,cnn_mnist,4.2,7\n")
    late.timestamp = "2026-10-16 23:00:00"
    record(course, "cnn_mnist", "cnn_mnist", late, None)
    assert exports.lms_csv(course, "cnn_mnist", lms).read_text().endswith("dee,cnn_mnist,7,7\n")
