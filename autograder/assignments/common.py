"""What the assignments share: probing and verifying arrays, models and compile settings.

Kernel-side helpers call a student's function and hand back plain data; grader-side helpers
return the (name, thunk, hidden) checks that ``verdicts.judge`` runs. Training functions have
their own module, ``runs``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from autograder import probe as kernel
from autograder import rebuild, workbench
from autograder.checks import arrays, compile
from autograder.checks.models import ModelSpec, model_checks
from autograder.checks.results import Check, CheckFailure
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench

# --- kernel side --------------------------------------------------------------------------------


def ok(thunk: Callable[[], object]) -> bool:
    """Whether a check passes (used to choose stand-ins, never as a verdict)."""
    try:
        thunk()
    except Exception:  # noqa: BLE001
        return False
    return True


def passes(module: ModuleType, function: str, ns: dict, bench: Workbench, state: dict) -> bool:
    """Whether a graded function passes all its checks here (decides stand-ins; not a verdict)."""
    result = module.probe(function, ns, bench, state)
    return not result.error and all(ok(thunk) for _, thunk, _ in module.verify(result, bench))


# A model-building function that takes an input shape is called a second time with this one:
# a model that keeps the notebook's shape ignores its argument.
OTHER_INPUT_SHAPE = (32, 32, 1)


def model_probe(function: str, ns: dict, input_shape: tuple[int, ...] | None = None) -> Probe:
    """Call a model-building function and hand back its model as plain data.

    A function of an ``input_shape`` is called with it, then with OTHER_INPUT_SHAPE; the second
    model comes back too (or the error that call raised).
    """
    args = () if input_shape is None else (input_shape,)
    payload, _ = kernel.model_payload(call_student(ns, function, *args))
    data: dict[str, Any] = {"model": payload}
    if input_shape is not None:
        try:
            data["other_model"] = kernel.model_payload(
                call_student(ns, function, OTHER_INPUT_SHAPE))[0]
        except kernel.StudentError as error:
            data["other_error"] = error.info
    return Probe(function, data)


def compile_probe(function: str, ns: dict, spec: ModelSpec) -> Probe:
    """Call a compiling function on two fresh reference models; hand back the first's compile
    settings and whether both got the same optimizer object (Keras 3 cannot train the second)."""
    model, other = workbench.build_model(spec), workbench.build_model(spec)
    call_student(ns, function, model)
    call_student(ns, function, other)
    payload, _ = kernel.model_payload(model)
    optimizer = getattr(model, "optimizer", None)
    return Probe(function, {"compile_config": payload.get("compile_config", {}),
                            "shared_optimizer": optimizer is not None
                            and optimizer is getattr(other, "optimizer", None)})


def keep_array(value: object, found: dict, key: str, lists: bool = False) -> str:
    """Put a returned numeric array (or list, if ``lists``) in ``found``; return its type name."""
    if lists and isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value)
        except Exception:  # noqa: BLE001 - ragged lists, or items that refuse to convert
            return type(value).__name__
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        found[key] = value
    return type(value).__name__


def array_probe(function: str, ns: dict, given: np.ndarray) -> Probe:
    """Call a function of one array; hand back what it returned and the input afterwards."""
    passed = given.copy()
    found = {"input_after": passed}
    kind = keep_array(call_student(ns, function, passed), found, "returned")
    return Probe(function, {"returned_type": kind}, found)


def counts_probe(function: str, ns: dict, bench: Workbench) -> Probe:
    """Call a function counting the digits in labels, on the training and the test labels."""
    data, found = {}, {}
    for key, labels in (("train", bench.y_train), ("test", bench.y_test)):
        value = call_student(ns, function, labels.copy())
        data[key] = keep_array(value, found, key, lists=True)
    return Probe(function, data, found)


def holds(ns: dict, name: str, expected: np.ndarray) -> bool:
    """Whether the notebook variable ``name`` is exactly the prepared array ``expected``."""
    found = ns.get(name)
    return (isinstance(found, np.ndarray) and found.shape == expected.shape
            and np.allclose(found, expected, atol=1e-6))


# --- grader side --------------------------------------------------------------------------------


def returned_array(result: Probe) -> np.ndarray:
    """The array a function returned; CheckFailure naming its type if it was not one."""
    return arrays.check_returned_array(result.function, result.arrays.get("returned"),
                                       result.data.get("returned_type", "None"))


def _same_counts(subject: str, result: Probe, key: str, labels: np.ndarray) -> None:
    found = arrays.check_returned_array(subject, result.arrays.get(key), result.data.get(key))
    arrays.check_shape(subject, found, (10,))
    expected = np.bincount(labels, minlength=10)
    wrong = np.flatnonzero(found != expected)
    if wrong.size:
        digit = int(wrong[0])
        fractions = np.allclose(found, expected / len(labels))
        require(False, subject, f"digit {digit} counted {expected[digit]} times",
                f"{found[digit]:g}", "These are the fractions of all labels: return the counts "
                "themselves." if fractions else "")


def verify_counts(result: Probe, bench: Workbench) -> list[Check]:
    """The 10 digit counts of the training labels, then of the test labels (hidden)."""
    return [(f"counts the {what} labels", lambda k=key, w=what, y=labels: _same_counts(
        f"{result.function}: the {w} labels", result, k, y), hidden)
        for key, what, labels, hidden in (("train", "training", bench.y_train, False),
                                          ("test", "test", bench.y_test, True))]


def verify_one_hot(result: Probe, labels: np.ndarray) -> list[Check]:
    """One-hot labels of 10 classes for ``labels``."""
    return [("returns an array", lambda: returned_array(result), False),
            ("one-hot rows of 10 classes", lambda: arrays.check_one_hot(
                result.function, returned_array(result), labels, 10), False)]


def verify_model(result: Probe, spec: ModelSpec) -> list[Check]:
    """A built model against its spec, field by field, from the rebuilt model; then, when the
    function was also called with another input shape, the model it built for that shape."""
    fn, payload = result.function, result.data.get("model", {})
    facts = cache(lambda: rebuild.facts(payload, rebuild.rebuild(fn, payload)))
    checks = [("returns a standard Keras model", facts, False), *model_checks(fn, facts, spec)]
    if "other_model" in result.data or "other_error" in result.data:
        checks.append(("uses its input_shape argument", lambda: _uses_input_shape(result), False))
    return checks


def _uses_input_shape(result: Probe) -> None:
    fn, error, shape = result.function, result.data.get("other_error"), OTHER_INPUT_SHAPE
    if isinstance(error, dict):
        raise CheckFailure(fn, f"a model for any input_shape, e.g. {shape}",
                           f"that it raised {error.get('type', 'an error')} when called with "
                           f"{shape}", "Build the model from the input_shape argument, e.g. "
                           "keras.Input(shape=input_shape).")
    payload = result.data.get("other_model") or {}
    found = rebuild.facts(payload, rebuild.rebuild(fn, payload)).input_shape
    if tuple(found or ()) != shape:
        raise CheckFailure(fn, f"a model whose input is the input_shape it is given: called "
                           f"with {shape}, an input of {shape}",
                           f"an input of {tuple(found) if found else 'no fixed shape'}",
                           "The model ignores its input_shape argument: use "
                           "keras.Input(shape=input_shape) instead of a fixed shape.")


def verify_compile(result: Probe, optimizer: str, losses: frozenset[str],
                   optimizer_settings: dict[str, Any] | None = None) -> list[Check]:
    """Compile settings: the optimizer (at its defaults or the given settings), loss, metric."""
    import keras

    fn, cfg = result.function, result.data.get("compile_config") or {}
    labels = "sparse" if all(loss.startswith("sparse") for loss in losses) else "one_hot"
    expected = getattr(keras.optimizers, optimizer)().get_config()
    expected.update(optimizer_settings or {})
    what = "the given settings" if optimizer_settings else "its defaults"
    return [
        ("model is compiled", lambda: compile.check_compiled(fn, cfg), False),
        ("a new optimizer for each model", lambda: compile.check_own_optimizer(
            fn, result.data.get("shared_optimizer"), optimizer.lower()), False),
        (f"optimizer is {optimizer} at {what}",
         lambda: compile.check_optimizer(fn, cfg, optimizer, expected), False),
        (f"loss is {' or '.join(sorted(losses))}", lambda: compile.check_loss(fn, cfg, losses),
         False),
        ("accuracy is the only metric",
         lambda: compile.check_accuracy_metric(fn, cfg, labels), False),
    ]


def trained_model(result: Probe, key: str = "model", prefix: str = "weight_"):
    """The model a probe handed back, rebuilt by the grader with its trained weights."""
    payload = result.data.get(key, {})
    return rebuild.rebuild(result.function, payload, rebuild.weights_of(result.arrays, prefix))


def measured(result: Probe, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Test (loss, accuracy) of the handed-back model, rebuilt and measured by the grader."""
    return workbench.measure(trained_model(result), x, y)


def predicted_classes(result: Probe, x: np.ndarray) -> np.ndarray:
    """The classes the handed-back model predicts for ``x``, computed by the grader."""
    return trained_model(result).predict(x, batch_size=256, verbose=0).argmax(axis=1)


def require(condition: bool, subject: str, expected: str, found: str, hint: str = "") -> None:
    """Raise the student-facing failure unless ``condition`` holds."""
    if not condition:
        raise CheckFailure(subject, expected, found, hint)
