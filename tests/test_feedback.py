"""A student's feedback page: points, plain messages, hidden checks and the plots of their run."""

import html
import json
import re
from pathlib import Path

import nbformat
import numpy as np

import course_config
from autograder import cli, evidence, feedback, gradebook, late, probe
from autograder.assignments import cnn_mnist
from autograder.checks.results import CheckResult, FunctionResult
from autograder.course import Course
from autograder.grading.record import SubmissionReport, record
from autograder.workbench import Workbench, build_model, compile_reference
from tests.browser import assert_page_ok, open_page
from tests.conftest import make_course

LAYER = "get_model: layer 1 (Conv2D): expected padding 'same', found 'valid'."
HISTORY = {"accuracy": [0.91, 0.95, 0.97], "loss": [0.3, 0.15, 0.09]}


def _results() -> list[FunctionResult]:
    """cnn_mnist with get_model failing on a layer and every other function passing."""
    points = course_config.ASSIGNMENTS["cnn_mnist"].points
    results = []
    for function, value in points.items():
        checks = [CheckResult(function, "runs", True),
                  CheckResult(function, "secret property", True, hidden=True)]
        if function == "get_model":
            checks = [CheckResult(function, "layer settings", False, LAYER)]
        results.append(FunctionResult(function, value, checks))
    return results


def _evidence(tmp_path) -> dict:
    """The evidence of an untrained reference model, gathered from a probe as grading does."""
    model = build_model(cnn_mnist.SPEC)
    compile_reference(model)
    payload, weights = probe.model_payload(model, weights=True)
    probe.write(probe.Probe("train_model", {"history": {**HISTORY, "bad": ["nan"]},
                                            "model": payload}, weights), tmp_path / "probes")
    return evidence.collect("cnn_mnist", tmp_path / "probes", Workbench(hold_out=True))


def test_evidence_holds_the_history_and_the_models_mistakes_on_the_held_out_images(tmp_path):
    found = _evidence(tmp_path)
    bench = Workbench(hold_out=True)
    assert found["history"] == HISTORY  # the series that are not numbers are left out
    confusion = np.array(found["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == found["test_images"] == len(
        bench.y_held)
    assert np.array_equal(confusion.sum(axis=1), np.bincount(bench.y_held, minlength=10))
    first = found["misclassified"][0]
    assert len(found["misclassified"]) == course_config.FEEDBACK_MISCLASSIFIED
    assert first["label"] == bench.y_held[first["index"]] != first["predicted"]
    assert np.array_equal(evidence.image(first), bench.raw_held[first["index"]])


def test_feedback_page_shows_points_messages_and_plots_and_loads_in_chromium(tmp_path):
    course = Course.at(make_course(tmp_path / "course"))
    due = late.due_date("cnn_mnist")
    stamp = f"{due.replace(day=due.day + 1):%Y-%m-%d %H:%M:%S} UTC"  # a day late
    report = SubmissionReport("ada", _results(), timestamp=stamp, evidence=_evidence(tmp_path))
    gradebook.ensure_registered("cnn_mnist", course.root, course.db_url, tmp_path / "scratch")
    record(course, "cnn_mnist", "cnn_mnist", report, None)

    page = feedback.write_feedback(course, "cnn_mnist", "ada")

    lateness = late.lateness("cnn_mnist", stamp, report.score, report.max_score)
    assert lateness.is_late and lateness.penalty > 0
    html = page.read_text()
    assert json.loads((course.autograded("cnn_mnist", "ada") / "results.json").read_text())[
        "score"] == gradebook.scores("cnn_mnist", course.db_url)["ada"] == 5
    shown = open_page(page, tmp_path / "feedback.png")
    assert_page_ok(shown)
    assert "Automatic points: 5 / 7" in shown.text
    assert (f"{late.describe(lateness)} Score after the penalty: "
            f"{5 - lateness.penalty:g} / 7.") in shown.text
    assert f"layer settings\tfailed\t{LAYER}" in shown.text
    assert "get_model\t0 / 2 points" in shown.text
    assert "secret property hidden check\tpassed" in shown.text
    assert [image.src for image in shown.images] == [
        "learning_curves.png", "confusion_matrix.png", "misclassified.png"]
    assert "Traceback" not in html and "lambda" not in html


def test_feedback_page_of_a_notebook_that_could_not_run_says_why_without_plots(tmp_path):
    course = Course.at(make_course(tmp_path / "course"))
    points = course_config.ASSIGNMENTS["cnn_mnist"].points
    why = "cnn_mnist.ipynb is not a notebook: it is not valid JSON (line 1, column 1)"
    results = [FunctionResult(f, p, [], note=f"{f} was not checked: {why}.")
               for f, p in points.items()]
    gradebook.ensure_registered("cnn_mnist", course.root, course.db_url, tmp_path / "scratch")
    record(course, "cnn_mnist", "cnn_mnist", SubmissionReport("bo", results, why), None)

    shown = open_page(feedback.write_feedback(course, "cnn_mnist", "bo"), tmp_path / "feedback.png")

    assert shown.errors == [] and shown.images == []
    assert f"Your notebook could not be graded: {why}" in shown.text
    assert f"train_model\t0 / 2 points\ttrain_model was not checked: {why}." in shown.text


def paragraph(page: Path, id_: str) -> str | None:
    """The text of the page's paragraph with id ``id_`` (tags dropped), or None if it has none."""
    found = re.search(rf'<p [^>]*id="{id_}">(.*?)</p>', page.read_text(), re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>|\s*\n\s*", "", found[1])).strip() if found else None


def _graded(course: Course, student: str) -> None:
    """Record ``student``'s cnn_mnist as _results() has it, with a graded notebook."""
    nb = nbformat.read(course.release("cnn_mnist"), as_version=4)
    record(course, "cnn_mnist", "cnn_mnist", SubmissionReport(student, _results()), nb)


def test_feedback_command_writes_the_others_pages_and_says_in_one_line_what_failed(
        tmp_path, capsys):
    course = Course.at(make_course(tmp_path / "course"))
    gradebook.ensure_registered("cnn_mnist", course.root, course.db_url, tmp_path / "scratch")
    for student in ("ada", "cy", "dan"):
        _graded(course, student)
    (course.autograded("cnn_mnist", "cy") / "cnn_mnist.ipynb").write_text("{")  # for nbgrader
    course.results("cnn_mnist", "dan").write_text("{")  # for us

    code = cli.main(["--course", str(course.root), "feedback", "cnn_mnist"])

    out, err = capsys.readouterr()
    pages = {s: course.feedback("cnn_mnist", s) / feedback.PAGE for s in ("ada", "cy", "dan")}
    assert code == 1
    assert out == f"feedback: {pages['ada']}\nfeedback: {pages['cy']}\n"
    assert err == (
        "feedback not written in full for 2 student(s): cy: nbgrader could not render the "
        "graded notebook (NotJSONError: Notebook does not appear to be JSON: '{'); dan: its "
        "page could not be written (JSONDecodeError: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1))\n")
    assert (pages["ada"].parent / "cnn_mnist.html").is_file()
    assert 'href="cnn_mnist.html"' in pages["ada"].read_text()
    assert paragraph(pages["cy"], "score") == "Automatic points: 5 / 7"
    assert "cnn_mnist.html" not in pages["cy"].read_text()  # nbgrader's page is not there
    assert not pages["dan"].exists()


def test_a_resubmission_that_cannot_be_graded_keeps_no_page_of_the_earlier_grade(tmp_path):
    course = Course.at(make_course(tmp_path / "course"))
    gradebook.ensure_registered("cnn_mnist", course.root, course.db_url, tmp_path / "scratch")
    _graded(course, "bo")
    folder = course.feedback("cnn_mnist", "bo")
    page = folder / feedback.PAGE
    assert feedback.generate(course, "cnn_mnist", ["bo"]) == feedback.Written([page])
    assert (folder / "cnn_mnist.html").is_file()
    why = "bo.ipynb is empty"
    results = [FunctionResult(f, p, [], note=f"{f} was not checked: {why}.")
               for f, p in course_config.ASSIGNMENTS["cnn_mnist"].points.items()]
    record(course, "cnn_mnist", "cnn_mnist", SubmissionReport("bo", results, why), None)

    written = feedback.generate(course, "cnn_mnist", ["bo"])

    assert written == feedback.Written([page])
    assert sorted(path.name for path in folder.iterdir()) == ["index.html"]
    assert paragraph(page, "problem") == f"Your notebook could not be graded: {why}."
    assert paragraph(page, "score") == "Automatic points: 0 / 7"
    assert "cnn_mnist.html" not in page.read_text()


def test_a_history_key_with_mathtext_is_drawn_as_written(tmp_path):
    from autograder import feedback_plots

    history = {"$\\x$": [0.5, 0.9], "val_$\\frac{1}$_loss": [0.4, 0.2], "loss": [0.3, 0.1]}
    path = feedback_plots.learning_curves(history, tmp_path / "curves.png")
    assert path.stat().st_size > 0
