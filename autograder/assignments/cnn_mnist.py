"""cnn_mnist: scale MNIST, build, compile, train and evaluate a small CNN.

``probe`` runs in the student's kernel and returns plain data; ``verify`` runs in the grader's
process on that data and lists the checks, re-deriving every fact that decides points.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

import course_config
from autograder import probe as kernel
from autograder import rebuild, workbench
from autograder.checks import arrays, compile, training
from autograder.checks.models import LayerSpec, ModelSpec, model_checks
from autograder.checks.results import Check
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench

CONFIG = course_config.ASSIGNMENTS["cnn_mnist"]
FUNCTIONS = tuple(CONFIG.points)
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
            if hasattr(item, "__array__"):
                found[key] = np.asarray(item)
    data["returned_length"] = len(value) if isinstance(value, (tuple, list)) else None
    return Probe("scale_mnist_data", data, found)


def _probe_get_model(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = call_student(ns, "get_model", SPEC.input_shape)
    payload, _ = kernel.model_payload(model)
    return Probe("get_model", {"model": payload})


def _probe_compile(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = workbench.build_model(SPEC)
    call_student(ns, "compile_model", model)
    payload, _ = kernel.model_payload(model)
    return Probe("compile_model", {"compile_config": payload.get("compile_config", {})})


def _passes(function: str, ns: dict, bench: Workbench, state: dict) -> bool:
    """Whether a function passes all its checks here (decides stand-ins; not a verdict)."""
    result = probe(function, ns, bench, state)
    if result.error:
        return False
    return all(_ok(thunk) for _, thunk, _ in verify(result, bench))


def _ok(thunk) -> bool:
    try:
        thunk()
    except Exception:  # noqa: BLE001
        return False
    return True


def _notebook_run(ns: dict, bench: Workbench):
    """The notebook's own trained model and history, when they are what grading would redo.

    They are reused (no second training run) only if the notebook trained a model built by a
    passing ``get_model``, compiled by a passing ``compile_model``, on correctly scaled data.
    """
    import keras

    history, model = ns.get("history"), ns.get("model")
    images, labels = ns.get("scaled_train_images"), ns.get("train_labels")
    if not (isinstance(history, keras.callbacks.History) and isinstance(model, keras.Model)
            and getattr(history, "model", None) is model):
        return None
    if not (isinstance(images, np.ndarray) and images.shape == bench.x_train.shape
            and np.allclose(images, bench.x_train, atol=1e-6)
            and isinstance(labels, np.ndarray) and np.array_equal(labels, bench.y_train)):
        return None
    facts_probe = Probe("get_model", {"model": kernel.model_payload(model)[0]})
    compiled = Probe("compile_model", {"compile_config": model.get_compile_config() or {}})
    if not all(_ok(t) for _, t, _ in verify(facts_probe, bench) + verify(compiled, bench)):
        return None
    return model, history


def _probe_train(ns: dict, bench: Workbench, state: dict) -> Probe:
    reused = _notebook_run(ns, bench)
    if reused:
        model, history = reused
        state["model"] = model
    else:
        use_student = _passes("get_model", ns, bench, state)
        model = call_student(ns, "get_model", SPEC.input_shape) if use_student \
            else workbench.build_model(SPEC)
        if _passes("compile_model", ns, bench, state):
            call_student(ns, "compile_model", model)
        else:
            workbench.compile_reference(model)
        state["model"] = model  # evaluate_model gets this model even if training fails
        workbench.seed_everything()
        history = call_student(ns, "train_model", model, bench.x_train, bench.y_train)
    payload, weights = kernel.model_payload(model, weights=True)
    data = {"type": type(history).__name__, "reused_notebook_run": bool(reused),
            "history": kernel.plain(getattr(history, "history", None)), "model": payload}
    return Probe("train_model", data, weights)


def _probe_evaluate(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = state.get("model")
    if model is None:
        model = workbench.build_model(SPEC)
        workbench.compile_reference(model)
    value = call_student(ns, "evaluate_model", model, bench.x_test, bench.y_test)
    payload, weights = kernel.model_payload(model, weights=True)
    return Probe("evaluate_model", {"returned": kernel.plain(value), "model": payload}, weights)


_PROBES = {"scale_mnist_data": _probe_scale, "get_model": _probe_get_model,
           "compile_model": _probe_compile, "train_model": _probe_train,
           "evaluate_model": _probe_evaluate}


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
    for key, what in (("train_out", "the scaled training images"),
                      ("test_out", "the scaled test images")):
        arrays.check_is_array(f"{fn}: {what}", result.arrays.get(key))


def _verify_get_model(result: Probe, bench: Workbench) -> list[Check]:
    fn, payload = "get_model", result.data.get("model", {})
    facts = cache(lambda: rebuild.facts(payload, rebuild.rebuild(fn, payload)))
    return [("returns a standard Keras model", facts, False), *model_checks(fn, facts, SPEC)]


def _verify_compile(result: Probe, bench: Workbench) -> list[Check]:
    import keras

    fn, cfg = "compile_model", result.data.get("compile_config") or {}
    defaults = keras.optimizers.Adam().get_config()
    return [
        ("model is compiled", lambda: compile.check_compiled(fn, cfg), False),
        ("optimizer is Adam at its defaults",
         lambda: compile.check_optimizer(fn, cfg, "Adam", defaults), False),
        ("loss is sparse categorical cross-entropy", lambda: compile.check_loss(fn, cfg, LOSSES),
         False),
        ("accuracy is the only metric", lambda: compile.check_accuracy_metric(fn, cfg), False),
    ]


def _measured(fn: str, result: Probe, bench: Workbench):
    """Test (loss, accuracy) of the handed-back model, rebuilt and measured by the grader."""
    model = rebuild.rebuild(fn, result.data.get("model", {}), rebuild.weights_of(result.arrays))
    return workbench.measure(model, bench.x_test, bench.y_test)


def _verify_train(result: Probe, bench: Workbench) -> list[Check]:
    fn, history = "train_model", result.data.get("history")
    epochs, threshold = int(CONFIG.thresholds["epochs"]), CONFIG.thresholds["min_test_accuracy"]
    measured = cache(lambda: _measured(fn, result, bench))

    def accurate() -> dict:
        training.check_min_accuracy(fn, measured()[1], threshold)
        return {"test_loss": measured()[0], "test_accuracy": measured()[1]}

    return [
        ("returns the History", lambda: training.check_returns_history(
            fn, result.data.get("type", ""), history), False),
        (f"trains for {epochs} epochs", lambda: training.check_epochs(fn, history, epochs), False),
        ("records loss and accuracy", lambda: training.check_history_metrics(fn, history), False),
        (f"test accuracy of at least {threshold}", accurate, True),
    ]


def _verify_evaluate(result: Probe, bench: Workbench) -> list[Check]:
    fn = "evaluate_model"
    measured = cache(lambda: _measured(fn, result, bench))
    return [
        ("returns (test_loss, test_accuracy)", lambda: training.check_loss_accuracy(
            fn, result.data.get("returned"), measured()), False),
    ]


_VERIFIERS = {"scale_mnist_data": _verify_scale, "get_model": _verify_get_model,
              "compile_model": _verify_compile, "train_model": _verify_train,
              "evaluate_model": _verify_evaluate}
