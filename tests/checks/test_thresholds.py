"""Measures of thresholds: standard errors, margins and the sentence release refuses with."""

import math

import pytest

from autograder.checks import thresholds
from autograder.checks.results import CheckFailure, run_checks
from autograder.checks.thresholds import Measure
from autograder.checks.training import check_min_accuracy


def test_standard_error_of_an_accuracy_is_taken_at_its_threshold():
    measure = Measure("train_dense_model", "test accuracy", 0.983, 0.975, 5000)
    assert measure.standard_error == pytest.approx(math.sqrt(0.975 * 0.025 / 5000))
    assert measure.margin == pytest.approx(0.008)
    assert measure.margin_se == pytest.approx(0.008 / 0.0022079, rel=1e-4)


def test_a_count_of_mistakes_passes_below_its_bound():
    measure = Measure("train_improved_model", "misclassified test images", 36, 50, 5000,
                      at_least=False)
    assert measure.standard_error == pytest.approx(math.sqrt(5000 * 0.01 * 0.99))
    assert measure.margin == 14
    assert measure.label == "train_improved_model: misclassified test images < 50"


def test_a_measure_survives_in_the_details_of_a_passing_and_a_failing_check():
    passing, failing = run_checks("train_model", [
        ("passes", lambda: check_min_accuracy("train_model", 0.98, 0.97, 5000), True)]), \
        run_checks("train_model", [
            ("fails", lambda: check_min_accuracy("train_model", 0.96, 0.97, 5000), True)])
    assert [m.value for m in thresholds.measures(passing[0].details)] == [0.98]
    assert [m.value for m in thresholds.measures(failing[0].details)] == [0.96]
    assert thresholds.measures({}) == []


def test_thin_margins_are_named_with_what_to_change():
    wide = Measure("train_model", "test accuracy", 0.9795, 0.97, 5000)
    narrow = Measure("train_dense_model", "test accuracy", 0.9768, 0.975, 5000)
    assert thresholds.thin("keras_digits", [wide, narrow], 2.0) == [
        "train_dense_model: test accuracy >= 0.975: the solution measured 0.9768, 0.8 standard "
        "errors from the threshold (one standard error is 0.0022 on 5,000 held-out images); at "
        "least 2 are needed. Train the solution further, or move the threshold to 0.972 or "
        "below in course_config.py, then run `autograder calibrate keras_digits`."]


def test_a_thin_count_is_moved_in_the_units_course_config_states():
    count = Measure("train_improved_model", "misclassified test images", 42, 50, 5000,
                    at_least=False)
    assert thresholds.thin("improve_mnist", [count], 2.0) == [
        "train_improved_model: misclassified test images < 50: the solution measured 42, 1.1 "
        "standard errors from the threshold (one standard error is 7.0 on 5,000 held-out "
        "images); at least 2 are needed. Train the solution further, or move the threshold to "
        "114 per 10,000 (57 of 5,000) or above in course_config.py, then run "
        "`autograder calibrate improve_mnist`."]


def test_a_failing_accuracy_check_still_says_what_a_student_reads():
    with pytest.raises(CheckFailure) as failure:
        check_min_accuracy("train_model", 0.9612, 0.97, 5000, 5000)
    assert failure.value.message == (
        "train_model: the trained model: expected test accuracy of at least 0.97, found 0.9612. "
        "The grader measured it on 5,000 test images that the notebook never had.")
