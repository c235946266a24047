"""Array, training and evaluation checks: exact student-facing messages."""

import numpy as np
import pytest

from autograder.checks import arrays, training
from autograder.checks.results import CheckFailure, run_checks


def message(thunk):
    with pytest.raises(CheckFailure) as failure:
        thunk()
    return failure.value.message


def test_unscaled_images_are_named():
    raw = np.array([[0, 128, 255]], dtype=np.uint8)
    assert message(lambda: arrays.check_unit_range("scale_mnist_data: the training images",
                                                   raw.astype(float))) == (
        "scale_mnist_data: the training images: expected values in [0, 1], found values from 0 "
        "to 255. They look unscaled.")


def test_integer_images_are_not_floats():
    assert message(lambda: arrays.check_float_dtype("x", np.zeros(3, np.uint8))) == (
        "x: expected floating-point values, found dtype uint8. Dividing by a float (for example "
        "255.) gives floats.")


def test_wrong_scale_names_a_pixel():
    raw = np.array([[0, 128, 255]], dtype=np.uint8)
    assert message(lambda: arrays.check_scaled_copy("x", raw / 256.0, raw, 255.0)) == (
        "x: expected each pixel divided by 255, found pixel (0, 2) is 0.996094 where 255/255 = 1.")


def test_modified_input():
    assert message(lambda: arrays.check_unchanged("x", np.ones(2), np.zeros(2))) == (
        "x: expected the input images left unchanged, found that they were modified in place. "
        "Return new arrays instead of changing the ones passed in.")


def test_epochs():
    assert message(lambda: training.check_epochs("train_model", {"loss": [1, 2, 3]}, 5)) == (
        "train_model: expected 5 epochs of training, found 3 (the history has 3 entries).")


def test_history_type():
    assert message(lambda: training.check_returns_history("train_model", "NoneType", None)) == (
        "train_model: expected the History object that model.fit returns, found a value of type "
        "NoneType. Return the result of model.fit(...).")


def test_accuracy_threshold():
    assert message(lambda: training.check_min_accuracy("train_model", 0.9612, 0.97, 5000)) == (
        "train_model: the trained model: expected test accuracy of at least 0.97, found 0.9612.")


def test_reversed_loss_and_accuracy():
    assert message(lambda: training.check_loss_accuracy("evaluate_model", [0.98, 0.07],
                                                        (0.07, 0.98))) == (
        "evaluate_model: expected (test_loss, test_accuracy) = (0.0700, 0.9800), found (0.9800, "
        "0.0700). The two values look swapped.")


def test_loss_and_accuracy_within_tolerance_pass():
    training.check_loss_accuracy("evaluate_model", (0.070001, 0.98), (0.07, 0.98))


def test_run_checks_stops_at_first_failure_and_never_leaks_a_traceback():
    def boom():
        raise ZeroDivisionError("division by zero")

    results = run_checks("f", [("ok", lambda: None, False), ("bad", boom, True),
                               ("never", lambda: None, False)])
    assert [(r.name, r.passed) for r in results] == [("ok", True), ("bad", False)]
    assert results[1].message == ("f: this check could not run on what your function returned "
                                  "(ZeroDivisionError: division by zero).")
    assert results[1].hidden
