"""The instructors' class report: its numbers from recorded grades, then its page in Chromium.

Grades are recorded through the real path (gradebook, results.json, CSV, failures) for four
students of cnn_mnist, under a due date and late policy pinned here.
"""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from nbgrader.api import Gradebook

import course_config
from autograder import class_report, gradebook
from autograder.checks.results import CheckResult, FunctionResult
from autograder.course import Course
from autograder.grading.record import SubmissionReport, record, write_failures, write_grades_csv
from tests.browser import PageImage, assert_page_ok, open_page
from tests.conftest import make_course

ASSIGNMENT = "cnn_mnist"
POINTS = course_config.ASSIGNMENTS[ASSIGNMENT].points
CHECKS = {"scale_mnist_data": ("returns two arrays", "the training images lie in [0, 1]"),
          "get_model": ("returns a standard Keras model", "layers"),
          "compile_model": ("compiled", "optimizer"),
          "train_model": ("returns the History", "test accuracy"),
          "evaluate_model": ("returns (test_loss, test_accuracy)",)}
PADDING = "get_model: layer 1 (Conv2D): expected padding 'same', found 'valid'."
INJECTED = "compile_model raised TypeError: <img src=x onerror=alert(1)> is not a loss"
UNREADABLE = "the notebook is not valid JSON"
DUE = "2026-10-16 23:59:00 UTC"
POLICY = course_config.LatePolicy(grace_minutes=15, penalty_per_day=0.1, max_penalty=0.5)
FAILED = {"cy": "its grading worker died each time it ran (KilledWorker: ...)",
          "eve": "the grader failed (RuntimeError: boom)"}


def _results(failing: dict[str, tuple[str, str]]) -> list[FunctionResult]:
    """Each function's checks in order, up to the one ``failing`` names for it (check, message)."""
    results = []
    for function, names in CHECKS.items():
        checks = []
        for name in names:
            bad, message = failing.get(function, ("", ""))
            checks.append(CheckResult(function, name, name != bad,
                                      message if name == bad else "", name == "test accuracy"))
            if name == bad:
                break
        results.append(FunctionResult(function, POINTS[function], checks))
    return results


SUBMISSIONS = [
    SubmissionReport("ada", _results({}), seconds=30.0, timestamp="2026-10-15 12:00:00 UTC"),
    SubmissionReport("ben", _results({"get_model": ("layers", PADDING)}), seconds=42.0,
                     timestamp="2026-10-18 01:30:00 UTC"),  # 1 day 1 h 31 min late: 2 days
    SubmissionReport("cy", _results({"get_model": ("layers", PADDING),
                                     "compile_model": ("compiled", INJECTED)}),
                     seconds=25.0, timestamp="2026-10-17 00:10:00 UTC"),  # within the grace
    SubmissionReport("dee", [FunctionResult(f, p, [], note=f"{f} was not checked: {UNREADABLE}.")
                             for f, p in POINTS.items()], problem=UNREADABLE, seconds=0.5),
]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(course_config, "LATE_POLICY", POLICY)
        patch.setitem(course_config.ASSIGNMENTS, ASSIGNMENT,
                      replace(course_config.ASSIGNMENTS[ASSIGNMENT], due=DUE))
        course = Course.at(make_course(tmp_path_factory.mktemp("report") / "course"))
        gradebook.ensure_registered(ASSIGNMENT, course.root, course.db_url,
                                    course.scratch / "registration")
        for report in SUBMISSIONS:
            record(course, ASSIGNMENT, "cnn_mnist", report, None)
        write_grades_csv(course, ASSIGNMENT)
        write_failures(course, ASSIGNMENT, [], FAILED)
        yield course


def test_summary_counts_checks_messages_times_failures_and_lateness(course):
    summary = class_report.summarize(course, ASSIGNMENT)
    assert summary.totals == gradebook.scores(ASSIGNMENT, course.db_url) == {
        "ada": 7, "ben": 5, "cy": 4, "dee": 0}
    assert [(r.student, r.total, r.score, r.seconds, r.problem) for r in summary.rows] == [
        ("ada", 7, 7, 30.0, ""), ("ben", 5, 5, 42.0, PADDING), ("cy", 4, 4, 25.0, PADDING),
        ("dee", 0, 0, 0.5, UNREADABLE)]
    assert [(c.function, c.name, c.passed, c.ran, c.not_reached) for c in summary.checks] == [
        ("scale_mnist_data", "returns two arrays", 3, 3, 1),
        ("scale_mnist_data", "the training images lie in [0, 1]", 3, 3, 1),
        ("get_model", "returns a standard Keras model", 3, 3, 1),
        ("get_model", "layers", 1, 3, 1),
        ("compile_model", "compiled", 2, 3, 1),
        ("compile_model", "optimizer", 2, 2, 2),
        ("train_model", "returns the History", 3, 3, 1),
        ("train_model", "test accuracy", 3, 3, 1),
        ("evaluate_model", "returns (test_loss, test_accuracy)", 3, 3, 1)]
    assert [c.rate for c in summary.checks if c.rate < 1] == [1 / 3, 2 / 3]
    assert summary.messages == [(PADDING, 2), (INJECTED, 1)] + [
        (f"{f} was not checked: {UNREADABLE}.", 1) for f in sorted(POINTS)]
    assert summary.failed == FAILED
    assert (summary.median_seconds, summary.slowest.student, summary.median_total) == (
        27.5, "ben", 4.5)
    assert summary.late == [class_report.LateRow(
        "ben", datetime(2026, 10, 18, 1, 30), datetime(2026, 10, 16, 23, 59),
        timedelta(days=1, hours=1, minutes=31), 1.4, 5, 3.6)]
    with Gradebook(course.db_url) as gb:  # the penalty the gradebook recorded
        assert gb.find_submission(ASSIGNMENT, "ben").late_submission_penalty == 1.4
    assert summary.policy == ("due 2026-10-16 23:59 UTC, 15 min of grace; then 10 % of the "
                              "maximum automatic score off per started day, at most 50 %, "
                              "never more than the score.")


def test_report_page_loads_in_chromium_with_its_plots_and_numbers(course, tmp_path):
    page = open_page(class_report.write_report(course, ASSIGNMENT), tmp_path / "report.png")
    assert_page_ok(page)
    assert [(image.src, image.alt) for image in page.images] == [
        ("score_distribution.png", "Histogram of the total scores of cnn_mnist"),
        ("check_pass_rates.png", "Pass rate of each check of cnn_mnist"),
        ("grading_times.png", "Grading time of each submission of cnn_mnist")]
    assert sorted(p.name for p in course.reports(ASSIGNMENT).iterdir()) == [
        "check_pass_rates.png", "grading_times.png", "index.html", "score_distribution.png"]
    lines = page.text.splitlines()
    for expected in (
            "Class report: cnn_mnist",
            "4 graded submission(s); 2 failed to grade; 1 late.",
            "Totals from the gradebook (hand-graded answers included), out of 7: 4 student(s), "
            "median 4.5.",
            f"ben\t5\t5/7\t42.0 s\t2026-10-18 01:30:00 UTC\t{PADDING}",
            f"dee\t0\t0/7\t0.5 s\t\t{UNREADABLE}",
            "get_model\tlayers\t1/3\t33%\t1",
            "compile_model\toptimizer\t2/2\t100%\t2",
            "train_model\ttest accuracy (hidden)\t3/3\t100%\t1",
            f"2\t{PADDING}", f"1\t{INJECTED}",
            "Median 27.5 s per submission; slowest 42.0 s (ben).",
            f"cy\t{FAILED['cy']}\t4", f"eve\t{FAILED['eve']}\tnone",
            f"Policy: {class_report.summarize(course, ASSIGNMENT).policy}",
            "ben\t2026-10-18 01:30 UTC\t2026-10-16 23:59 UTC\t1 day 1 h\t1.4\t5\t3.6"):
        assert expected in lines


def test_report_command_says_where_the_report_went(course, capsys):
    assert class_report.report_command(course, ASSIGNMENT) == 0
    assert capsys.readouterr().out.splitlines() == [
        "cnn_mnist: 4 graded, median total 4.5/7, 2 failed to grade, 1 late; median grading "
        "time 28 s",
        f"report: {course.reports(ASSIGNMENT) / 'index.html'}"]


def test_report_command_on_an_ungraded_assignment_says_so(tmp_path, capsys):
    course = Course.at(make_course(tmp_path / "course"))
    assert class_report.report_command(course, ASSIGNMENT) == 1
    assert capsys.readouterr().out == (
        f"nothing of cnn_mnist has been graded in {course.root} yet: no report\n")


def test_page_checker_reports_script_errors_and_broken_images(tmp_path):
    html = tmp_path / "broken.html"
    html.write_text('<img src="missing.png" alt="gone"><script>console.error("said");'
                    'throw new Error("boom")</script>')
    page = open_page(html, tmp_path / "broken.png")
    assert page.page_errors == ["boom"]
    assert sorted(page.console_errors) == [
        "Failed to load resource: net::ERR_FILE_NOT_FOUND", "said"]  # in either order
    assert page.failed_requests == [
        f"{(tmp_path / 'missing.png').as_uri()}: net::ERR_FILE_NOT_FOUND"]
    assert page.images == [PageImage("missing.png", "gone", 0, 0)]
    with pytest.raises(AssertionError):
        assert_page_ok(page)


def test_page_checker_finds_a_blank_page_blank(tmp_path):
    html = tmp_path / "blank.html"
    html.write_text("<p style='color: white'>nothing to see</p>")
    page = open_page(html, tmp_path / "blank.png")
    assert (page.errors, page.text, page.colours, page.ink) == ([], "nothing to see", 1, 0.0)
    with pytest.raises(AssertionError, match="looks blank: 1 colours, 0.0% not white"):
        assert_page_ok(page)
