"""keras_digits: prepare MNIST, then a dense network and a CNN, compared on the hold-out set.

``probe`` runs in the student's kernel and returns plain data; ``verify`` runs in the grader's
process on that data and lists the checks, re-deriving every fact that decides points.
"""

from __future__ import annotations

import sys
from functools import cache

import numpy as np

import course_config
from autograder import probe as kernel
from autograder import workbench
from autograder.assignments import common, runs
from autograder.checks import arrays, training
from autograder.checks.models import LayerSpec, ModelSpec
from autograder.checks.results import Check
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench

CONFIG = course_config.ASSIGNMENTS["keras_digits"]
FUNCTIONS = tuple(CONFIG.points)
# feedback plots this run: its History, and its model on this Workbench input
PLOTTED: tuple[str, str | None] = ("train_cnn_model", "x_held")
# functions whose check trains a network: `autograder check` runs them only with --full
TRAINS = frozenset({"train_dense_model", "train_cnn_model"})
INPUT_SHAPE = (28, 28, 1)
DENSE = ModelSpec(
    kind="Sequential",
    input_shape=INPUT_SHAPE,
    layers=(
        LayerSpec.of("Flatten"),
        LayerSpec.of("Dense", units=512, activation="relu"),
        LayerSpec.of("Dense", units=512, activation="relu"),
        LayerSpec.of("Dense", units=10, activation="softmax"),
    ),
    params=669_706,
)
CNN = ModelSpec(
    kind="Sequential",
    input_shape=INPUT_SHAPE,
    layers=(
        LayerSpec.of("Conv2D", filters=32, kernel_size=(5, 5), padding="valid",
                     activation="relu"),
        LayerSpec.of("MaxPooling2D", pool_size=(2, 2)),
        LayerSpec.of("Conv2D", filters=64, kernel_size=(5, 5), padding="valid",
                     activation="relu"),
        LayerSpec.of("MaxPooling2D", pool_size=(2, 2)),
        LayerSpec.of("Flatten"),
        LayerSpec.of("Dense", units=1024, activation="relu"),
        LayerSpec.of("Dense", units=10, activation="softmax"),
    ),
    params=1_111_946,
)
LOSSES = frozenset({"categorical_crossentropy"})
SAMPLE = 500  # test images handed to predicted_classes and holdout_accuracy


def reference_compile(model) -> None:
    """The reference compile settings: the stand-in for a broken ``compile_model``."""
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])


def _data(bench: Workbench) -> tuple[np.ndarray, np.ndarray]:
    return bench.x_train, bench.one_hot_train


DENSE_TRAINING = runs.Training(
    train="train_dense_model", build="build_dense_model", build_args=(INPUT_SHAPE,), spec=DENSE,
    data=_data, compile="compile_model", reference_compile=reference_compile,
    notebook=("dense_model", "dense_history", "train_images", "train_targets"),
)
CNN_TRAINING = runs.Training(
    train="train_cnn_model", build="build_cnn_model", build_args=(INPUT_SHAPE,), spec=CNN,
    data=_data, compile="compile_model", reference_compile=reference_compile,
    notebook=("cnn_model", "cnn_history", "train_images", "train_targets"),
)
# The notebook's variables a probe may reuse: a check is redone when any of them changes.
NOTEBOOK_VARIABLES = (*DENSE_TRAINING.notebook, *CNN_TRAINING.notebook[:2])


# --- kernel side --------------------------------------------------------------------------------

def probe(function: str, ns: dict, bench: Workbench, state: dict) -> Probe:
    """Call the student's ``function`` on inputs we prepare; ``state`` carries trained models."""
    return kernel.run_probe(function, lambda: _PROBES[function](ns, bench, state))


def _probe_cnn_training(ns: dict, bench: Workbench, state: dict) -> Probe:
    result = runs.training_probe(sys.modules[__name__], CNN_TRAINING, ns, bench, state)
    dense = state.get(DENSE_TRAINING.train)
    if dense is not None and result.data.get("history") is not None:  # to compare the two
        payload, weights = kernel.model_payload(dense, weights=True, prefix="dense_")
        result.data["dense_model"] = payload
        result.arrays.update(weights)
    return result


def _probe_predicted(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = runs.trained_or_fresh(CNN_TRAINING, state)
    value = call_student(ns, "predicted_classes", model, bench.x_test[:SAMPLE])
    payload, weights = kernel.model_payload(model, weights=True)
    kind = common.keep_array(value, weights, "returned", lists=True)
    return Probe("predicted_classes", {"returned_type": kind, "model": payload}, weights)


def _probe_holdout(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = runs.trained_or_fresh(CNN_TRAINING, state)
    value = call_student(ns, "holdout_accuracy", model, bench.x_test[:SAMPLE],
                         bench.one_hot_test[:SAMPLE])
    payload, weights = kernel.model_payload(model, weights=True)
    return Probe("holdout_accuracy", {"returned": kernel.plain(value), "model": payload}, weights)


_PROBES = {
    "prepare_images": lambda ns, bench, state: common.array_probe("prepare_images", ns,
                                                                  bench.sample_train),
    "one_hot_labels": lambda ns, bench, state: common.array_probe("one_hot_labels", ns,
                                                                  bench.y_train[:SAMPLE]),
    "build_dense_model": lambda ns, bench, state: common.model_probe("build_dense_model", ns,
                                                                     INPUT_SHAPE),
    "compile_model": lambda ns, bench, state: common.compile_probe("compile_model", ns, DENSE),
    "train_dense_model": lambda ns, bench, state: runs.training_probe(
        sys.modules[__name__], DENSE_TRAINING, ns, bench, state),
    "build_cnn_model": lambda ns, bench, state: common.model_probe("build_cnn_model", ns,
                                                                   INPUT_SHAPE),
    "train_cnn_model": _probe_cnn_training,
    "predicted_classes": _probe_predicted,
    "holdout_accuracy": _probe_holdout,
}


# --- grader side --------------------------------------------------------------------------------

def verify(result: Probe, bench: Workbench) -> list[Check]:
    """The checks of one function, as (name, thunk, hidden), in the order they run."""
    return _VERIFIERS[result.function](result, bench)


def _verify_prepare(result: Probe, bench: Workbench) -> list[Check]:
    fn, raw = "prepare_images", bench.sample_train
    out = lambda: common.returned_array(result)  # noqa: E731
    return [
        ("returns an array", out, False),
        ("shape (N, 28, 28, 1)", lambda: arrays.check_shape(fn, out(), (len(raw), *INPUT_SHAPE)),
         False),
        ("float32", lambda: arrays.check_dtype(fn, out(), "float32"), False),
        ("values in [0, 1]", lambda: arrays.check_unit_range(fn, out()), False),
        ("divided by 255", lambda: arrays.check_scaled_copy(
            fn, out(), raw[..., np.newaxis], 255.0), True),
        ("input not modified", lambda: arrays.check_unchanged(
            f"{fn}: the images passed in", result.arrays["input_after"], raw), True),
    ]


def _verify_cnn_training(result: Probe, bench: Workbench) -> list[Check]:
    fn, thresholds = "train_cnn_model", CONFIG.thresholds
    score = cache(lambda: common.measured(result, bench.x_held, bench.y_held))
    checks = runs.verify_training(result, bench, None, thresholds["cnn_min_accuracy"],
                                    bench.x_held, score=score)
    if "dense_model" not in result.data:
        return checks

    def beats_dense() -> dict:
        dense_model = common.trained_model(result, "dense_model", "dense_")
        cnn, dense = score()[1], workbench.measure(dense_model, bench.x_held, bench.y_held)[1]
        common.require(cnn > dense, f"{fn}: the trained CNN",
                       f"a higher test accuracy than the dense network's {dense:.4f}",
                       f"{cnn:.4f}", training.held_out_hint(bench.held_out_count))
        return {"cnn_test_accuracy": cnn, "dense_test_accuracy": dense}

    return [*checks, ("beats the dense network", beats_dense, True)]


def _verify_predicted(result: Probe, bench: Workbench) -> list[Check]:
    fn = "predicted_classes"

    def same_classes() -> None:
        found = common.returned_array(result)
        common.require(found.shape == (SAMPLE,), fn, f"one class per image, shape ({SAMPLE},)",
                       f"shape {found.shape}",
                       "Take the argmax of model.predict(...) over the last axis."
                       if found.shape == (SAMPLE, 10) else "")
        expected = common.predicted_classes(result, bench.x_test[:SAMPLE])
        wrong = np.flatnonzero(found != expected)
        common.require(wrong.size == 0, fn, "the argmax of the model's predictions",
                       f"{wrong.size} of {SAMPLE} classes differ (first: image {wrong[:1]})"
                       if wrong.size else "")

    return [("argmax of predict", same_classes, False)]


def _verify_holdout(result: Probe, bench: Workbench) -> list[Check]:
    fn = "holdout_accuracy"

    def same_accuracy() -> None:
        predicted = common.predicted_classes(result, bench.x_test[:SAMPLE])
        expected = float(np.mean(predicted == bench.y_test[:SAMPLE]))
        training.check_fraction(fn, result.data.get("returned"), expected, "accuracy")

    return [("accuracy of the model's predictions", same_accuracy, False)]


_VERIFIERS = {
    "prepare_images": _verify_prepare,
    "one_hot_labels": lambda result, bench: common.verify_one_hot(result,
                                                                  bench.y_train[:SAMPLE]),
    "build_dense_model": lambda result, bench: common.verify_model(result, DENSE),
    "compile_model": lambda result, bench: common.verify_compile(result, "RMSprop", LOSSES),
    "train_dense_model": lambda result, bench: runs.verify_training(
        result, bench, None, CONFIG.thresholds["dense_min_accuracy"], bench.x_held),
    "build_cnn_model": lambda result, bench: common.verify_model(result, CNN),
    "train_cnn_model": _verify_cnn_training,
    "predicted_classes": _verify_predicted,
    "holdout_accuracy": _verify_holdout,
}
