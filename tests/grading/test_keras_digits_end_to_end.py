"""keras_digits: whole notebooks graded through the real pipeline on real MNIST (slow).

The solution is graded on all of MNIST, the other fixtures on the sample (tests/conftest.py), each
run once into a throwaway course and in its own xdist group; the tests read what the runs
recorded: scores, student-facing messages, the gradebook with its manually graded answer.
"""

import pytest

import course_config
from tests.conftest import (
    assert_blank_gets_zero,
    assert_hand_grades_add_to_total,
    assert_loses_exactly,
    failures,
    grade_fixtures,
)

pytestmark = pytest.mark.slow
CONFIG = course_config.ASSIGNMENTS["keras_digits"]
POINTS = CONFIG.points
FULL = sum(POINTS.values())
WRONG = {
    "dense_256_units": ("build_dense_model",
                        "build_dense_model: layer 3 (Dense): expected units 512, found 256."),
    "adam_optimizer": ("compile_model", "compile_model: optimizer: expected RMSprop, found Adam."),
    "unscaled_images": ("prepare_images", "prepare_images: expected values in [0, 1], found "
                                          "values from 0 to 255. They look unscaled."),
    "eleven_class_one_hot": ("one_hot_labels",
                             "one_hot_labels: expected one-hot rows of 10 columns, one per "
                             "class, found shape (500, 11). Use 10 classes: the digits 0 to 9."),
    "pooling_before_conv": ("build_cnn_model",
                            "build_cnn_model: expected 7 layers (Conv2D, MaxPooling2D, Conv2D, "
                            "MaxPooling2D, Flatten, Dense, Dense), found 7 (MaxPooling2D, Conv2D, "
                            "Conv2D, MaxPooling2D, Flatten, Dense, Dense). Problem: unexpected "
                            "layer 1 (MaxPooling2D (2, 2)); missing layer 2 (MaxPooling2D "
                            "(2, 2))."),
    "predict_classes_removed": ("predicted_classes",
                                "predicted_classes raised AttributeError: 'Sequential' object "
                                "has no attribute 'predict_classes'"),
}


on_all_of_mnist = pytest.mark.xdist_group("keras_digits_full")
on_the_sample = pytest.mark.xdist_group("keras_digits_sample")


@pytest.fixture(scope="module")
def solution(tmp_path_factory, grading_client):
    return grade_fixtures(tmp_path_factory, grading_client, "keras_digits",
                          patches={"solution": {}})


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_client, mnist_sample):
    return grade_fixtures(tmp_path_factory, grading_client, "keras_digits", ("blank", *WRONG),
                          sample=mnist_sample)


@on_all_of_mnist
def test_solution_gets_full_marks_with_the_cnn_beating_the_dense_network(solution):
    _, reports = solution
    report = reports["solution"]
    assert failures(report) == {} and report.score == FULL
    details = {c.name: c.details for r in report.results for c in r.checks if c.details}
    dense = details["test accuracy of at least 0.975"]["test_accuracy"]
    cnn = details["beats the dense network"]
    assert dense >= CONFIG.thresholds["dense_min_accuracy"]
    assert cnn["cnn_test_accuracy"] >= CONFIG.thresholds["cnn_min_accuracy"]
    assert cnn["cnn_test_accuracy"] > cnn["dense_test_accuracy"] == pytest.approx(dense)


@on_the_sample
def test_blank_release_gets_zero_with_one_clear_message_per_function(graded):
    assert_blank_gets_zero(graded[1]["blank"], POINTS)


@on_the_sample
@pytest.mark.parametrize("student", sorted(WRONG))
def test_wrong_submission_loses_exactly_the_broken_functions_points(graded, student):
    _, reports = graded
    assert_loses_exactly(reports[student], POINTS, *WRONG[student])


@on_all_of_mnist
def test_written_answer_is_graded_by_hand_and_adds_to_the_total(solution):
    course, reports = solution
    assert_hand_grades_add_to_total(course, reports["solution"], "keras_digits")
