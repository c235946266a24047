"""improve_mnist, second part: the augmented model: its layers, training behind them, saving it.

The augmentation layers are checked from their plain config (no flips, the three kinds asked for,
moderate factors) and by running them at inference; the augmented model's accuracy is measured
by the grader with augmentation inactive. ``probe_*`` run in the kernel, ``verify_*`` here.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

import course_config
from autograder import probe as kernel
from autograder import rebuild
from autograder.assignments import common
from autograder.checks import augmentation, training
from autograder.checks.results import Check
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench

LIMITS = course_config.ASSIGNMENTS["improve_mnist"].thresholds
TRAIN = "train_with_augmentation"
# The augmentation layers asked for, with the largest factor each may use.
AUGMENTATION = {"RandomRotation": {"factor": LIMITS["max_rotation"]},
                "RandomTranslation": {"height_factor": LIMITS["max_shift"],
                                      "width_factor": LIMITS["max_shift"]},
                "RandomZoom": {"height_factor": LIMITS["max_zoom"],
                               "width_factor": LIMITS["max_zoom"]}}
AUGMENTED = ("augmented_model", "augmented_history")  # the notebook's variables


# --- kernel side --------------------------------------------------------------------------------

def probe_layers(ns: dict) -> Probe:
    payload, _ = kernel.model_payload(call_student(ns, "augmentation_layers"))
    return Probe("augmentation_layers", {"model": payload})


def _augmentation(base: ModuleType, ns: dict, bench: Workbench, state: dict):
    """The student's augmentation layers when they pass their checks, else the solution's."""
    import keras

    if common.passes(base, "augmentation_layers", ns, bench, state):
        return call_student(ns, "augmentation_layers")
    layers = keras.layers
    return keras.Sequential([layers.RandomRotation(0.03),
                             layers.RandomTranslation(0.05, 0.05), layers.RandomZoom(0.05)])


def probe_training(base: ModuleType, ns: dict, bench: Workbench, state: dict) -> Probe:
    """The notebook's augmented run if it trained our data from a passing improved model.

    Otherwise the student's function trains a copy of the improved model (the student's when it
    passed, else the solution's) behind the augmentation layers (likewise).
    """
    import keras

    model, history = (ns.get(name) for name in AUGMENTED)
    reused = (isinstance(model, keras.Model) and getattr(history, "model", None) is model
              and all(common.holds(ns, name, array) for name, array in
                      zip(base.IMPROVED_TRAINING.notebook[2:], base.training_data(bench),
                          strict=True))
              and bool(state.get("improved_ok"))
              and common.passes(base, "augmentation_layers", ns, bench, state))
    if not reused:
        improved = base.improved_model(ns, bench, state)
        copy = keras.models.clone_model(improved)
        copy.set_weights(improved.get_weights())
        value = call_student(ns, TRAIN, copy, _augmentation(base, ns, bench, state),
                             *base.training_data(bench))
        model, history = value if isinstance(value, tuple) and len(value) == 2 else (value, None)
    state[TRAIN] = model
    payload, weights = kernel.model_payload(model, weights=True)
    return Probe(TRAIN, {
        "type": type(history).__name__, "reused_notebook_run": bool(reused),
        "history": kernel.plain(getattr(history, "history", None)), "model": payload}, weights)


def probe_save(ns: dict, model) -> Probe:
    """Save ``model`` (the augmented one when there is one) with the student's function."""
    import tempfile
    import zipfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "model.keras"
    reloaded = call_student(ns, "save_and_reload", model, str(path))
    original, weights = kernel.model_payload(model, weights=True)
    payload, more = kernel.model_payload(reloaded, weights=True, prefix="reloaded_")
    return Probe("save_and_reload", {"saved": path.is_file(), "zip": path.is_file() and
                                     zipfile.is_zipfile(path), "model": original,
                                     "reloaded": payload}, {**weights, **more})


# --- grader side --------------------------------------------------------------------------------

def verify_layers(result: Probe, bench: Workbench) -> list[Check]:
    fn, payload = "augmentation_layers", result.data.get("model", {})
    layers = augmentation.layer_list(payload)

    def sequential() -> None:
        common.require(payload.get("is_keras_model") and payload.get("type") == "Sequential",
                       fn, "a keras.Sequential of preprocessing layers",
                       f"a value of type {payload.get('type', 'None')}")

    def inactive() -> None:
        images = bench.x_test[:32]
        out = np.asarray(rebuild.rebuild(fn, payload)(images, training=False))
        augmentation.check_inactive_at_inference(fn, images, out)

    return [("returns a Sequential", sequential, False),
            ("no flips", lambda: augmentation.check_no_flips(fn, layers), False),
            ("rotation, translation and zoom", lambda: augmentation.check_kinds(
                fn, layers, tuple(AUGMENTATION)), False),
            ("moderate amounts", lambda: augmentation.check_factors(fn, layers, AUGMENTATION),
             False),
            ("inactive at inference", inactive, True)]


def verify_training(result: Probe, bench: Workbench) -> list[Check]:
    fn, payload = TRAIN, result.data.get("model", {})
    layers, history = augmentation.layer_list(payload), result.data.get("history")
    threshold = LIMITS["augmented_min_accuracy"]

    def pair() -> None:
        common.require(payload.get("is_keras_model") and result.data.get("type") == "History",
                       fn, "the pair (augmented_model, history)", f"a {payload.get('type')} and "
                       f"a {result.data.get('type')}")
        common.require(len((history or {}).get("loss", [])) >= 1, fn, "at least one epoch of "
                       "training", "none")

    def accurate() -> dict:
        model = common.trained_model(result)
        first, second = (model.predict(bench.x_test[:256], verbose=0) for _ in range(2))
        common.require(np.array_equal(first, second), fn, "the same predictions twice at "
                       "inference", "predictions that change from call to call")
        accuracy = float(np.mean(common.predicted_classes(result, bench.x_held) == bench.y_held))
        measure = training.check_min_accuracy(fn, accuracy, threshold, len(bench.y_held),
                                              bench.held_out_count)
        return {"test_accuracy": accuracy, **measure}

    return [("returns (model, History)", pair, False),
            ("no flips", lambda: augmentation.check_no_flips(fn, layers), False),
            ("augmentation in the training path", lambda: augmentation.check_before_first(
                fn, layers, tuple(AUGMENTATION)), False),
            (f"test accuracy of at least {threshold:g}, augmentation inactive", accurate, True)]


def verify_save(result: Probe, bench: Workbench) -> list[Check]:
    fn = "save_and_reload"

    def saved() -> None:
        common.require(bool(result.data.get("saved")) and bool(result.data.get("zip")), fn,
                       "a model saved to the given .keras path (a zip archive)",
                       "a zip file" if result.data.get("saved") else "no file at that path",
                       "Call model.save(path) with the path you were given.")

    def same_model() -> None:
        original = common.trained_model(result)
        reloaded = common.trained_model(result, "reloaded", "reloaded_")
        x = bench.x_test[:100]
        common.require(np.allclose(original.predict(x, verbose=0), reloaded.predict(
            x, verbose=0), atol=1e-6), fn, "a reloaded model that predicts as the original",
            "different predictions", "Return keras.models.load_model(path).")

    return [("saved in the native format", saved, False),
            ("reloaded model predicts the same", same_model, False)]
