"""improve_mnist: whole notebooks graded through the real pipeline on real MNIST (slow).

Every notebook trains three models (a few minutes), so the fixtures are graded in two halves,
each its own xdist group: the two workers share the load.
"""

import pytest

import course_config
from tests.conftest import (
    assert_hand_grades_add_to_total,
    assert_loses_exactly,
    failures,
    grade_fixtures,
)

pytestmark = pytest.mark.slow
CONFIG = course_config.ASSIGNMENTS["improve_mnist"]
POINTS = CONFIG.points
FULL = sum(POINTS.values())
WRONG = {
    "two_conv_layers_in_first_model": (
        "build_first_model",
        "build_first_model: expected exactly 1 Conv2D layer, found 2 (layers 1, 2)."),
    "flip_augmentation": (
        "augmentation_layers",
        "augmentation_layers: expected no RandomFlip layer, found RandomFlip as layer 1. A "
        "mirrored 2, 3 or 7 is not a digit any more: leave flips out."),
    "transposed_confusion_matrix": (
        "model_confusion_matrix",
        "model_confusion_matrix: entry [0, 6]: expected 0 images of digit 0 predicted as 6, found "
        "1. It looks transposed: rows are the true digits, columns the predicted ones."),
    "class_fractions_not_counts": (
        "class_counts",
        "class_counts: the training labels: expected digit 0 counted 5923 times, found "
        "0.0987167. These are the fractions of all labels: return the counts themselves."),
    "first_model_batch_size_256": (
        "train_first_model",
        "train_first_model: expected a batch size of 128 (469 steps per epoch on 60,000 images), "
        "found 235 steps per epoch (a batch size of about 256)."),
    "improved_model_one_epoch": (
        "train_improved_model",
        "train_improved_model: the trained model: expected fewer than 100 misclassified test "
        "images (of 10,000), found 218."),
    "augmentation_after_first_conv": (
        "train_with_augmentation",
        "train_with_augmentation: expected augmentation layers before the first Conv2D, found "
        "the layers Conv2D first."),
}
FIRST = ("solution", "blank", "two_conv_layers_in_first_model", "improved_model_one_epoch",
         "class_fractions_not_counts")
SECOND = tuple(sorted(set(WRONG) - set(FIRST)))
first_half = pytest.mark.xdist_group("improve_mnist_1")
second_half = pytest.mark.xdist_group("improve_mnist_2")


@pytest.fixture(scope="module")
def graded_first(tmp_path_factory):
    return grade_fixtures(tmp_path_factory, "improve_mnist", FIRST)


@pytest.fixture(scope="module")
def graded_second(tmp_path_factory):
    return grade_fixtures(tmp_path_factory, "improve_mnist", SECOND)


def _details(report) -> dict[str, dict]:
    return {r.function: c.details for r in report.results for c in r.checks if c.details}


@first_half
def test_solution_gets_full_marks_with_what_the_grader_measured(graded_first):
    _, reports = graded_first
    report = reports["solution"]
    assert failures(report) == {} and report.score == FULL
    details = _details(report)
    assert details["train_first_model"]["test_accuracy"] >= CONFIG.thresholds["first_min_accuracy"]
    assert details["train_improved_model"]["misclassified"] < CONFIG.thresholds["max_errors"]
    augmented = details["train_with_augmentation"]["test_accuracy"]
    assert augmented >= CONFIG.thresholds["augmented_min_accuracy"]


@first_half
def test_blank_release_gets_zero_with_one_clear_message_per_function(graded_first):
    _, reports = graded_first
    assert reports["blank"].score == 0
    assert failures(reports["blank"]) == {
        f: [f"{f} is not written yet: it still raises NotImplementedError."] for f in POINTS}


def _loses_exactly_its_functions_points(reports, student):
    assert_loses_exactly(reports[student], POINTS, *WRONG[student])


@first_half
@pytest.mark.parametrize("student", sorted(set(WRONG) & set(FIRST)))
def test_wrong_submission_loses_exactly_the_broken_functions_points(graded_first, student):
    _loses_exactly_its_functions_points(graded_first[1], student)


@second_half
@pytest.mark.parametrize("student", SECOND)
def test_wrong_later_steps_lose_exactly_the_broken_functions_points(graded_second, student):
    _loses_exactly_its_functions_points(graded_second[1], student)


@first_half
def test_written_answers_are_graded_by_hand_and_add_to_the_total(graded_first):
    course, reports = graded_first
    assert_hand_grades_add_to_total(course, reports["solution"], "improve_mnist")
