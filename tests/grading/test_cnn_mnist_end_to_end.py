"""Whole notebooks graded through the real pipeline on real MNIST (slow: each one trains).

The solution is graded on all of MNIST against the course's threshold; every other fixture is
graded once, in one run, on the sample of MNIST (see tests/conftest.py) into a throwaway course.
The tests then read what the runs recorded: scores, student-facing messages, the gradebook, the
CSV and feedback. Each run is its own xdist group, so the two workers share them.
"""

import csv
import json
import re
import shutil

import pytest

import course_config
from autograder import gradebook
from autograder.course import Course
from tests.conftest import (
    FIXTURES,
    SAMPLE_THRESHOLDS,
    assert_blank_gets_zero,
    failures,
    grade_fixtures,
    grade_here,
    make_course,
    scores,
    training_on_sample,
)

pytestmark = pytest.mark.slow
POINTS = course_config.ASSIGNMENTS["cnn_mnist"].points
FULL = sum(POINTS.values())
ON_SAMPLE = ("blank", "keras2_style_solution", "categorical_crossentropy", "compile_model_raises",
             "evaluate_returns_reversed", "missing_dense_layer", "no_softmax",
             "only_test_images_scaled", "sgd_optimizer", "sixteen_filters",
             "syntax_error_in_evaluate_cell", "three_epochs", "valid_padding")
on_all_of_mnist = pytest.mark.xdist_group("cnn_mnist_full")
on_the_sample = pytest.mark.xdist_group("cnn_mnist_sample")


@pytest.fixture(scope="module")
def solution(tmp_path_factory, grading_client):
    return grade_fixtures(tmp_path_factory, grading_client, "cnn_mnist", ("solution",))


# Mistakes seen in real submissions, written into the release as a student would (conftest's
# write_submission): the cells that differ from the solution, by grade id.
GET_MODEL = """def get_model(input_shape):
    return Sequential([
        Conv2D(8, (3, 3), padding='same', activation='{activation}', input_shape={shape}),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dense(64, activation='relu'),
        Dense(64, activation='relu'),
        Dense(10, activation='softmax'),
    ])"""
PATCHES = {
    "ignores_input_shape": {"get_model": GET_MODEL.format(activation="relu",
                                                          shape="(28, 28, 1)")},
    "keras2_activation_name": {"get_model": GET_MODEL.format(activation="ReLU",
                                                             shape="input_shape")},
    "exact_accuracy_metric": {"compile_model": (
        "def compile_model(model):\n    model.compile(optimizer='adam', "
        "loss='sparse_categorical_crossentropy', metrics=[tf.keras.metrics.Accuracy()])")},
    "evaluates_the_notebooks_images": {"evaluate_model": (
        "def evaluate_model(model, scaled_test_images_, test_labels_):\n"
        "    return tuple(model.evaluate(scaled_test_images, test_labels, verbose=0))")},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_client, mnist_sample):
    return grade_fixtures(tmp_path_factory, grading_client, "cnn_mnist", ON_SAMPLE,
                          sample=mnist_sample, patches=PATCHES)


def _test_accuracy(report) -> float:
    return next(c.details["test_accuracy"] for r in report.results for c in r.checks
                if c.details)


@on_all_of_mnist
def test_solution_gets_full_marks_on_all_of_mnist(solution):
    report = solution[1]["solution"]
    assert failures(report) == {} and report.score == FULL
    threshold = course_config.ASSIGNMENTS["cnn_mnist"].thresholds["min_test_accuracy"]
    assert _test_accuracy(report) >= threshold


@on_the_sample
def test_keras2_style_solution_gets_full_marks(graded):
    report = graded[1]["keras2_style_solution"]
    assert failures(report) == {} and report.score == FULL
    assert _test_accuracy(report) >= SAMPLE_THRESHOLDS["cnn_mnist"]["min_test_accuracy"]


@on_the_sample
def test_blank_release_gets_zero_with_one_clear_message_per_function(graded):
    assert_blank_gets_zero(graded[1]["blank"], POINTS)


WRONG = {
    "only_test_images_scaled": ("scale_mnist_data",
                                "scale_mnist_data: the training images: expected values in "
                                "[0, 1], found values from 0 to 255. They look unscaled."),
    "valid_padding": ("get_model",
                      "get_model: layer 1 (Conv2D): expected padding 'same', found 'valid'."),
    "sixteen_filters": ("get_model",
                        "get_model: layer 1 (Conv2D): expected filters 8, found 16."),
    "missing_dense_layer": ("get_model",
                            "get_model: expected 6 layers (Conv2D, MaxPooling2D, Flatten, Dense, "
                            "Dense, Dense), found 5 (Conv2D, MaxPooling2D, Flatten, Dense, "
                            "Dense). Problem: missing layer 5 (Dense 64)."),
    "no_softmax": ("get_model", "get_model: layer 6 (Dense): expected activation 'softmax', "
                                "found 'linear' (no activation)."),
    "categorical_crossentropy": ("compile_model",
                                 "compile_model: loss: expected sparse_categorical_crossentropy, "
                                 "found categorical_crossentropy."),
    "sgd_optimizer": ("compile_model", "compile_model: optimizer: expected Adam, found SGD."),
    "three_epochs": ("train_model",
                     "train_model: expected 5 epochs of training, found 3 (the history has 3 "
                     "entries)."),
    "evaluate_returns_reversed": ("evaluate_model", "SWAPPED"),
    "compile_model_raises": ("compile_model",
                             "compile_model raised TypeError: Trainer.compile() got an unexpected "
                             "keyword argument 'metric'"),
    "syntax_error_in_evaluate_cell": ("evaluate_model",
                                      "evaluate_model is not defined because the cell that "
                                      "defines it failed with SyntaxError: expected ':' "
                                      "(line 1)."),
    "ignores_input_shape": ("get_model",
                            "get_model: expected a model whose input is the input_shape it is "
                            "given: called with (32, 32, 1), an input of (32, 32, 1), found an "
                            "input of (28, 28, 1). The model ignores its input_shape argument: "
                            "use keras.Input(shape=input_shape) instead of a fixed shape."),
    "keras2_activation_name": ("get_model",
                               "get_model: activation 'ReLU' is not a Keras 3 name; use 'relu'."),
    "exact_accuracy_metric": ("compile_model",
                              "compile_model: metrics: expected accuracy as the only metric, "
                              "found Accuracy(). It counts predictions exactly equal to their "
                              "labels, which probabilities never are: use "
                              "metrics=['accuracy']."),
    # measured on 2,000 test images, while the notebook's hold 5,000: the figures differ
    "evaluates_the_notebooks_images": ("evaluate_model", re.compile(
        r"evaluate_model: expected \(test_loss, test_accuracy\) = \(0\.\d{4}, 0\.\d{4}\), "
        r"found \(0\.\d{4}, 0\.\d{4}\)\.")),
}


@on_the_sample
@pytest.mark.parametrize("student", sorted(WRONG))
def test_wrong_submission_loses_exactly_the_broken_functions_points(graded, student):
    _, reports = graded
    function, message = WRONG[student]
    report = reports[student]
    assert scores(report) == {f: (0 if f == function else p) for f, p in POINTS.items()}
    found = failures(report)[function]
    if message == "SWAPPED":
        assert len(found) == 1 and found[0].endswith("The two values look swapped.")
        assert found[0].startswith("evaluate_model: expected (test_loss, test_accuracy) = (0.")
    elif isinstance(message, re.Pattern):
        assert len(found) == 1 and message.fullmatch(found[0]), found
    else:
        assert found == [message]


@on_the_sample
def test_gradebook_csv_and_results_agree_with_the_reports(graded):
    course, reports = graded
    assert gradebook.scores("cnn_mnist", course.db_url) == {
        student: report.score for student, report in reports.items()}
    with course.grades_csv("cnn_mnist").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert {s: float(r["score"]) for s, r in rows.items()} == {
        s: r.score for s, r in reports.items()}
    assert rows["sgd_optimizer"]["problem"] == WRONG["sgd_optimizer"][1]
    stored = json.loads((course.autograded("cnn_mnist", "valid_padding") / "results.json")
                        .read_text())
    assert stored["score"] == FULL - POINTS["get_model"]


@on_the_sample
def test_autograded_notebook_shows_the_verdict_in_the_test_cell(graded):
    course, _ = graded
    import nbformat

    nb = nbformat.read(course.autograded("cnn_mnist", "sixteen_filters") / "cnn_mnist.ipynb",
                       as_version=4)
    cell = next(c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_get_model")
    assert cell.outputs[0].output_type == "error"
    assert cell.outputs[0].traceback == [
        "✘ get_model: 0/2 points.",
        "  get_model: layer 1 (Conv2D): expected filters 8, found 16."]
    assert all("Traceback" not in line for line in cell.outputs[0].traceback)


@on_the_sample
def test_feedback_pages_show_the_students_run_and_agree_with_the_gradebook(graded, tmp_path):
    """Both feedback pages of a graded submission; ours opened in Chromium, its plots drawn from
    the student's own run, its figures as the gradebook and the checks have them."""
    import numpy as np

    from autograder import feedback
    from tests.browser import assert_page_ok, open_page

    course, reports = graded
    report = reports["sgd_optimizer"]
    [page] = feedback.generate(course, "cnn_mnist", ["sgd_optimizer"]).pages
    nbgrader_page = (course.feedback("cnn_mnist", "sgd_optimizer") / "cnn_mnist.html").read_text()
    assert WRONG["sgd_optimizer"][1] in nbgrader_page
    assert "Traceback (most recent call last)" not in nbgrader_page

    shown = open_page(page, tmp_path / "feedback.png")
    assert_page_ok(shown)
    total = gradebook.scores("cnn_mnist", course.db_url)["sgd_optimizer"]
    assert total == report.score == FULL - POINTS["compile_model"]
    assert f"Automatic points: {total:g} / {FULL:g}" in shown.text
    assert (f"compile_model\t0 / 1 point\t\nmodel is compiled\tpassed\t\n"
            "a new optimizer for each model\tpassed\t\n"
            f"optimizer is Adam at its defaults\tfailed\t{WRONG['sgd_optimizer'][1]}\n"
            "train_model\t2 / 2 points\t\n") in shown.text
    assert "test accuracy of at least 0.92 hidden check\tpassed" in shown.text
    assert [image.src for image in shown.images] == [
        "learning_curves.png", "confusion_matrix.png", "misclassified.png"]
    assert "cnn_mnist.html" in shown.text  # the link to nbgrader's page
    evidence = report.evidence
    assert sorted(evidence["history"]) == ["accuracy", "loss"]
    assert [len(values) for values in evidence["history"].values()] == [5, 5]
    confusion = np.array(evidence["confusion"])
    # the confusion matrix is of the model the accuracy check measured, on the same images
    assert confusion.sum() == evidence["test_images"] == 5000
    assert abs(np.trace(confusion) / confusion.sum() - _test_accuracy(report)) < 1e-6


@on_the_sample
def test_grading_the_same_submission_twice_gives_the_same_scores(graded, grading_client,
                                                                mnist_sample, tmp_path):
    """Graded alone, a submission whose model the grader retrains gets exactly the same results."""
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(FIXTURES / "cnn_mnist" / "sixteen_filters.ipynb", alone)
    with training_on_sample("cnn_mnist", mnist_sample):
        again = grade_here(grading_client, Course.at(make_course(tmp_path / "course")),
                           "cnn_mnist", alone)
    first = graded[1]["sixteen_filters"]
    assert [r.to_dict() for r in again[0].results] == [r.to_dict() for r in first.results]


@on_the_sample
def test_class_report_of_the_graded_batch_agrees_with_gradebook_and_reports(graded, tmp_path):
    """The instructors' report on the real batch, opened in Chromium: every number as recorded."""
    import statistics
    from collections import Counter

    from autograder import class_report
    from tests.browser import assert_page_ok, open_page

    course, reports = graded
    totals = gradebook.scores("cnn_mnist", course.db_url)
    assert totals == {student: report.score for student, report in reports.items()}
    page = open_page(class_report.write_report(course, "cnn_mnist"), tmp_path / "report.png")
    assert_page_ok(page)
    assert [image.src for image in page.images] == list(class_report.PLOTS.values())
    lines = page.text.splitlines()
    assert f"{len(reports)} graded submission(s); 0 failed to grade; 0 late." in lines
    median = statistics.median(totals.values())
    assert (f"Totals from the gradebook (hand-graded answers included), out of {FULL:g}: "
            f"{len(reports)} student(s), median {median:g}.") in lines
    for student, report in reports.items():
        row = f"{student}\t{totals[student]:g}\t{report.score:g}/{FULL:g}\t{report.seconds:.1f} s\t"
        assert any(line.startswith(row) for line in lines), row
    checks = [c for report in reports.values() for r in report.results for c in r.checks]
    ran = Counter((c.function, c.name, c.hidden) for c in checks)
    passed = Counter((c.function, c.name, c.hidden) for c in checks if c.passed)
    for (function, name, hidden), count in ran.items():
        rate = 100 * passed[function, name, hidden] / count
        assert (f"{function}\t{name}{' (hidden)' if hidden else ''}\t"
                f"{passed[function, name, hidden]}/{count}\t{rate:.0f}%\t"
                f"{len(reports) - count}") in lines
    flat = " ".join(page.text.split())  # the page shows runs of white space as one space
    messages = Counter(m for report in reports.values() for r in report.results
                       for m in r.messages)
    assert len(messages) >= len(WRONG)
    for message, count in messages.items():
        assert " ".join(f"{count} {message}".split()) in flat
    seconds = statistics.median(round(report.seconds, 1) for report in reports.values())
    assert f"Median {seconds:.1f} s per submission;" in flat
