"""cnn_mnist: scale MNIST, build, compile, train and evaluate a small CNN.

``probe`` runs in the student's kernel and returns plain data; ``verify`` runs in the grader's
process on that data and lists the checks, re-deriving every fact that decides points.
"""

from __future__ import annotations

import sys
from typing import Any

import course_config
from autograder import probe as kernel
from autograder import workbench
from autograder.assignments import common, runs
from autograder.checks import arrays, training
from autograder.checks.models import LayerSpec, ModelSpec
from autograder.checks.results import Check
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench

CONFIG = course_config.ASSIGNMENTS["cnn_mnist"]
FUNCTIONS = tuple(CONFIG.points)
# feedback plots this run: its History, and its model on this Workbench input
PLOTTED: tuple[str, str | None] = ("train_model", "x_held")
# functions whose check trains a network: `autograder check` runs them only with --full
TRAINS = frozenset({"train_model"})
SPEC = ModelSpec(
    kind="Sequential",
    input_shape=(28, 28, 1),
    layers=(
        LayerSpec.of("Conv2D", filters=8, kernel_size=(3, 3), padding="same", activation="relu"),
        LayerSpec.of("MaxPooling2D", pool_size=(2, 2)),
        LayerSpec.of("Flatten"),
        LayerSpec.of("Dense", units=64, activation="relu"),
        LayerSpec.of("Dense", units=64, activation="relu"),
        LayerSpec.of("Dense", units=10, activation="softmax"),
    ),
    params=105_306,
)
LOSSES = frozenset({"sparse_categorical_crossentropy"})
# evaluate_model gets this many test images, not the notebook's: one that reads the notebook's
# test images instead of its arguments returns another measurement
EVALUATED = 2000


# --- kernel side --------------------------------------------------------------------------------

def probe(function: str, ns: dict, bench: Workbench, state: dict) -> Probe:
    """Call the student's ``function`` on inputs we prepare; ``state`` carries the trained model."""
    return kernel.run_probe(function, lambda: _PROBES[function](ns, bench, state))


def _probe_scale(ns: dict, bench: Workbench, state: dict) -> Probe:
    train, test = bench.sample_train.copy(), bench.sample_test.copy()
    value = call_student(ns, "scale_mnist_data", train, test)
    data: dict[str, Any] = {"returned": kernel.plain(value) if not isinstance(value, (tuple, list))
                            else [type(item).__name__ for item in value]}
    found = {"train_after": train, "test_after": test}
    if isinstance(value, (tuple, list)) and len(value) == 2:
        for key, item in zip(("train_out", "test_out"), value, strict=True):
            array = kernel.numeric_array(item)
            if array is not None:
                found[key] = array
    data["returned_length"] = len(value) if isinstance(value, (tuple, list)) else None
    return Probe("scale_mnist_data", data, found)


TRAINING = runs.Training(
    train="train_model", build="get_model", build_args=(SPEC.input_shape,), spec=SPEC,
    data=lambda bench: (bench.x_train, bench.y_train),
    compile="compile_model", reference_compile=workbench.compile_reference,
    notebook=("model", "history", "scaled_train_images", "train_labels"),
)
# The notebook's variables a probe may reuse: a check is redone when any of them changes.
NOTEBOOK_VARIABLES = TRAINING.notebook


def _probe_evaluate(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = state.get("train_model")
    if model is None:
        model = workbench.build_model(SPEC)
        workbench.compile_reference(model)
    value = call_student(ns, "evaluate_model", model, bench.x_test[:EVALUATED],
                         bench.y_test[:EVALUATED])
    payload, weights = kernel.model_payload(model, weights=True)
    return Probe("evaluate_model", {"returned": kernel.plain(value), "model": payload}, weights)


_PROBES = {
    "scale_mnist_data": _probe_scale,
    "get_model": lambda ns, bench, state: common.model_probe("get_model", ns, SPEC.input_shape),
    "compile_model": lambda ns, bench, state: common.compile_probe("compile_model", ns, SPEC),
    "train_model": lambda ns, bench, state: runs.training_probe(
        sys.modules[__name__], TRAINING, ns, bench, state),
    "evaluate_model": _probe_evaluate,
}


# --- grader side --------------------------------------------------------------------------------

def verify(result: Probe, bench: Workbench) -> list[Check]:
    """The checks of one function, as (name, thunk, hidden), in the order they run."""
    return _VERIFIERS[result.function](result, bench)


def _verify_scale(result: Probe, bench: Workbench) -> list[Check]:
    fn, found = "scale_mnist_data", result.arrays
    checks: list[Check] = [("returns two arrays", lambda: _two_arrays(fn, result), False)]
    for key, what, raw in (("train_out", "the training images", bench.sample_train),
                           ("test_out", "the test images", bench.sample_test)):
        subject = f"{fn}: {what}"
        checks += [
            (f"{what} keep their shape",
             lambda s=subject, k=key, r=raw: arrays.check_shape(s, found[k], r.shape), False),
            (f"{what} lie in [0, 1]",
             lambda s=subject, k=key: arrays.check_unit_range(s, found[k]), False),
            (f"{what} are floats", lambda s=subject, k=key: arrays.check_float_dtype(s, found[k]),
             False),
            (f"{what} are divided by 255",
             lambda s=subject, k=key, r=raw: arrays.check_scaled_copy(s, found[k], r, 255.0), True),
        ]
    checks += [
        ("inputs not modified", lambda: (
            arrays.check_unchanged(f"{fn}: the training images passed in", found["train_after"],
                                   bench.sample_train),
            arrays.check_unchanged(f"{fn}: the test images passed in", found["test_after"],
                                   bench.sample_test)), True),
    ]
    return checks


def _two_arrays(fn: str, result: Probe) -> None:
    if result.data.get("returned_length") != 2:
        arrays.check_returns_tuple(fn, result.data.get("returned"), 2,
                                   "scaled training images, scaled test images")
    kinds = result.data.get("returned") or ["None", "None"]
    for key, what, kind in zip(("train_out", "test_out"), ("the scaled training images",
                                                           "the scaled test images"), kinds,
                               strict=True):
        arrays.check_returned_array(f"{fn}: {what}", result.arrays.get(key), kind)


def _verify_train(result: Probe, bench: Workbench) -> list[Check]:
    return runs.verify_training(result, bench, int(CONFIG.thresholds["epochs"]),
                                  CONFIG.thresholds["min_test_accuracy"], bench.x_held)


def _verify_evaluate(result: Probe, bench: Workbench) -> list[Check]:
    fn = "evaluate_model"
    return [
        ("returns (test_loss, test_accuracy)", lambda: training.check_loss_accuracy(
            fn, result.data.get("returned"), common.measured(
                result, bench.x_test[:EVALUATED], bench.y_test[:EVALUATED])), False),
    ]


_VERIFIERS = {
    "scale_mnist_data": _verify_scale,
    "get_model": lambda result, bench: common.verify_model(result, SPEC),
    "compile_model": lambda result, bench: common.verify_compile(result, "Adam", LOSSES),
    "train_model": _verify_train,
    "evaluate_model": _verify_evaluate,
}
