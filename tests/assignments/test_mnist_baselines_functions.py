"""The graded functions of mnist_baselines, called directly (testbook style, no kernel).

Nothing here trains a network or fits a logistic regression on all 60,000 images: training
functions are judged from hand-made probes of untrained models.
"""

import re

import numpy as np
import pytest

import course_config
from autograder import assignments, verdicts
from autograder import probe as kernel
from autograder.assignments import mnist_baselines
from autograder.probe import Probe
from autograder.workbench import Workbench, build_model
from tests.conftest import solution_namespace

POINTS = course_config.ASSIGNMENTS["mnist_baselines"].points
QUICK_FIT = ("def train_logistic_regression(x, y):\n"
             "    return LogisticRegression(max_iter=100).fit(x[:2000], y[:2000])")


def notebook_namespace(replace: dict[str, str] | None = None) -> dict:
    return solution_namespace("mnist_baselines", replace)


@pytest.fixture(scope="module")
def bench():
    return Workbench()


@pytest.fixture(scope="module")
def state():
    """Shared by the tests of count_misclassified, so the stand-in model is fitted once."""
    return {}


def judge(function, ns, bench, state=None):
    found = mnist_baselines.probe(function, ns, bench, state if state is not None else {})
    return verdicts.judge(mnist_baselines, found, bench, POINTS[function])


def messages(function, source, bench, state=None, notebook_globals=None):
    ns = notebook_namespace({function: source})
    ns.update(notebook_globals or {})
    return judge(function, ns, bench, state).messages


def test_the_assignment_is_registered():
    assert assignments.get("mnist_baselines") is mnist_baselines
    assert tuple(POINTS) == mnist_baselines.FUNCTIONS
    assert {"logistic", "flat_train_images", "mlp_history", "cnn_train_images"} <= set(
        mnist_baselines.NOTEBOOK_VARIABLES)


@pytest.mark.parametrize("function", ["dataset_summary", "digit_counts", "flatten_images",
                                      "one_hot_labels", "build_mlp", "build_cnn",
                                      "misclassified_indices"])
def test_solution_functions_pass_every_check(bench, function):
    result = judge(function, notebook_namespace(), bench)
    assert result.messages == [] and result.score == POINTS[function]


def test_count_misclassified_of_the_solution_passes_on_the_stand_in_model(bench, state):
    result = judge("count_misclassified", notebook_namespace(), bench, state)
    stand_in = state["quick_logistic"]  # fitted by the probe on 2,000 images
    counted = mnist_baselines.COUNTED  # the first test images, not the notebook's
    expected = int(np.sum(stand_in.predict(bench.flat_test[:counted])
                          != bench.y_test[:counted]))
    assert result.passed and result.checks[0].details == {"misclassified": expected}
    assert 0.10 * counted < expected < 0.16 * counted  # 572 of 4,000 here: harder digits


def test_unscaled_flat_images_are_named(bench):
    source = ("def flatten_images(images):\n"
              "    return images.reshape(len(images), -1).astype('float32')")
    assert messages("flatten_images", source, bench) == [
        "flatten_images: expected values in [0, 1], found values from 0 to 255. They look "
        "unscaled."]


@pytest.mark.parametrize(("source", "depth"), [
    ("tf.one_hot(labels, 9).numpy()", 9), ("keras.utils.to_categorical(labels, 11)", 11)])
def test_one_hot_of_the_wrong_depth(bench, source, depth):
    assert messages("one_hot_labels", f"def one_hot_labels(labels):\n    return {source}",
                    bench) == [
        f"one_hot_labels: expected one-hot rows of 10 columns, one per class, found shape "
        f"(500, {depth}). Use 10 classes: the digits 0 to 9."]


def test_digit_counts_off_by_one_names_the_digit(bench):
    source = ("def digit_counts(labels):\n    counts = np.bincount(labels, minlength=10)\n"
              "    counts[3] -= 1\n    return counts")
    assert messages("digit_counts", source, bench) == [
        "digit_counts: the training labels: expected digit 3 counted 6131 times, found 6130."]


def test_digit_counts_may_return_a_list(bench):
    source = "def digit_counts(labels):\n    return [int(np.sum(labels == d)) for d in range(10)]"
    assert messages("digit_counts", source, bench) == []


def test_dataset_summary_mistakes(bench):
    wrong_size = ("def dataset_summary(a, b, c, d):\n"
                  "    return {'train_size': len(a), 'test_size': len(a), 'image_shape': (28, 28)}")
    as_list = ("def dataset_summary(a, b, c, d):\n"
               "    return {'train_size': 60000, 'test_size': 10000, 'image_shape': [28, 28]}")
    assert messages("dataset_summary", wrong_size, bench) == [
        "dataset_summary: test_size: expected 10000, found 60000."]
    assert messages("dataset_summary", as_list, bench) == [
        "dataset_summary: image_shape: expected a tuple, found a list. The .shape of an array "
        "is a tuple."]


def test_a_raising_function_is_reported(bench):
    source = "def dataset_summary(a, b, c, d):\n    raise ValueError('too many values')"
    assert messages("dataset_summary", source, bench) == [
        "dataset_summary raised ValueError: too many values"]


def test_mlp_with_1000_units(bench):
    source = ("def build_mlp():\n    return Sequential([keras.Input(shape=(784,)), "
              "Dense(1000, activation='relu'), Dropout(0.25), Dense(512, activation='relu'), "
              "Dropout(0.25), Dense(10, activation='softmax')])")
    assert messages("build_mlp", source, bench) == [
        "build_mlp: layer 1 (Dense): expected units 1024, found 1000."]


def test_cnn_with_dropout_and_pooling_swapped(bench):
    source = ("def build_cnn():\n    return Sequential([keras.Input(shape=(28, 28, 1)), "
              "Conv2D(32, (3, 3), activation='relu'), Conv2D(64, (3, 3), activation='relu'), "
              "Dropout(0.25), MaxPooling2D((2, 2)), Flatten(), Dense(128, activation='relu'), "
              "Dropout(0.5), Dense(10, activation='softmax')])")
    assert messages("build_cnn", source, bench) == [
        "build_cnn: expected 8 layers (Conv2D, Conv2D, MaxPooling2D, Dropout, Flatten, Dense, "
        "Dropout, Dense), found 8 (Conv2D, Conv2D, Dropout, MaxPooling2D, Flatten, Dense, "
        "Dropout, Dense). Problem: unexpected layer 3 (Dropout); missing layer 4 (Dropout)."]


def test_misclassified_indices_of_correct_images(bench):
    source = ("def misclassified_indices(model, images, labels):\n    predicted = "
              "model.predict(images, verbose=0).argmax(axis=1)\n"
              "    return np.flatnonzero(predicted == labels)")
    [found] = messages("misclassified_indices", source, bench)
    # how many an untrained CNN gets wrong depends on the CPU; every one of 1,000 is off
    match = re.fullmatch(r"misclassified_indices: expected the (\d+) indices of misclassified "
                         r"images, found \1 missing \(first: \d+\) and (\d+) extra \(first: "
                         r"\d+\)\. Those are the images the model classified correctly\.", found)
    assert match and int(match[1]) + int(match[2]) == 1000, found


def test_misclassified_indices_as_a_mask(bench):
    source = ("def misclassified_indices(model, images, labels):\n"
              "    return model.predict(images, verbose=0).argmax(axis=1) != labels")
    assert messages("misclassified_indices", source, bench) == [
        "misclassified_indices: expected a 1-D array of integer indices, found an array of shape "
        "(1000,) and dtype bool. Turn the mask into indices with np.flatnonzero."]


def test_count_of_correct_images(bench, state):
    source = "def count_misclassified(m, x, y):\n    return int(np.sum(m.predict(x) == y))"
    found = messages("count_misclassified", source, bench, state)
    counted = mnist_baselines.COUNTED
    wrong = int(np.sum(state["quick_logistic"].predict(bench.flat_test[:counted])
                       != bench.y_test[:counted]))
    assert found == [  # e.g. "expected 451 misclassified test images, found 3549. That is ..."
        f"count_misclassified: expected {wrong} misclassified test images, found "
        f"{counted - wrong}. That is the number of correctly classified images."]


def test_a_count_on_the_notebooks_images_instead_of_the_arguments_fails(bench, state):
    source = ("def count_misclassified(m, x, y):\n"
              "    return int(np.sum(m.predict(flat_test_images) != test_labels))")
    ns_globals = {"flat_test_images": bench.flat_test, "test_labels": bench.y_test}
    found = messages("count_misclassified", source, bench, state, ns_globals)
    assert len(found) == 1 and re.fullmatch(
        r"count_misclassified: expected \d+ misclassified test images, found \d+\.", found[0])


def test_logistic_regression_below_the_threshold(bench):
    found = messages("train_logistic_regression", QUICK_FIT, bench)
    assert len(found) == 1 and re.fullmatch(  # 0.8868 here; the last digits vary with BLAS
        r"train_logistic_regression: the trained model: expected test accuracy of at least 0\.9, "
        r"found 0\.88\d\d\.", found[0]), found


def test_unfitted_logistic_regression(bench):
    source = "def train_logistic_regression(x, y):\n    return LogisticRegression()"
    assert messages("train_logistic_regression", source, bench) == [
        "train_logistic_regression: expected a fitted model (with coef_, intercept_ and "
        "classes_), found a model that was not fitted. Call its fit method before returning it."]


def test_the_notebooks_fitted_model_is_reused(bench, state):
    """Fitted on exactly the prepared data, the notebook's model is judged without refitting."""
    ns = notebook_namespace({"train_logistic_regression": QUICK_FIT})
    model = ns["train_logistic_regression"](bench.flat_train, bench.y_train)
    ns.update(logistic=model, flat_train_images=bench.flat_train, train_labels=bench.y_train)
    del ns["train_logistic_regression"]  # would fail the check if it were called
    found = mnist_baselines.probe("train_logistic_regression", ns, bench, {})
    assert found.data["reused_notebook_run"] is True and found.arrays["coef_"].shape == (10, 784)


@pytest.mark.parametrize(("function", "spec", "optimizer", "message"), [
    ("train_mlp", mnist_baselines.MLP, "sgd", "train_mlp: optimizer: expected Adam, found SGD."),
    ("train_cnn", mnist_baselines.CNN, "adam",
     "train_cnn: optimizer: expected Adadelta, found Adam."),
    ("train_cnn", mnist_baselines.CNN, "adadelta", "train_cnn: optimizer Adadelta: expected "
     "learning_rate 1.0, found learning_rate 0.001."),
])
def test_training_with_the_wrong_optimizer(bench, function, spec, optimizer, message):
    """Judged from a hand-made probe of an untrained model: the optimizer fails first."""
    model = build_model(spec)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    epochs = int(course_config.ASSIGNMENTS["mnist_baselines"].thresholds[f"{function[6:]}_epochs"])
    payload, weights = kernel.model_payload(model, weights=True)
    history = {"loss": [0.1] * epochs, "accuracy": [0.9] * epochs}
    found = Probe(function, {"type": "History", "history": history, "model": payload}, weights)
    found = verdicts.judge(mnist_baselines, found, bench, POINTS[function]).messages
    assert len(found) == 1 and found[0].startswith(message), found
