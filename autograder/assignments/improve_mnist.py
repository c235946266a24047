"""improve_mnist: a first one-convolution CNN, an improved model under 100 mistakes, the confusion
matrix; the augmented model and its saving are in ``improve_mnist_augmented``.

The architectures are free, so models are checked by rules (one Conv2D, a Dense 10 softmax at the
end) and by what they do: every count of mistakes and every accuracy is measured by the grader on
the rebuilt model. ``probe`` runs in the kernel and hands back plain data; ``verify`` judges it.
"""

from __future__ import annotations

import sys
from functools import cache

import numpy as np

import course_config
from autograder import probe as kernel
from autograder import rebuild
from autograder.assignments import common, runs
from autograder.assignments import improve_mnist_augmented as augmented
from autograder.checks import arrays, models, training
from autograder.checks.models import LayerSpec, ModelSpec
from autograder.checks.results import Check, CheckFailure
from autograder.checks.thresholds import Measure
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench

CONFIG = course_config.ASSIGNMENTS["improve_mnist"]
FUNCTIONS = tuple(CONFIG.points)
# feedback plots this run: its History, and its model on this Workbench input
PLOTTED: tuple[str, str | None] = ("train_improved_model", "x_held")
# functions whose check trains a network: `autograder check` runs them only with --full
TRAINS = frozenset({"train_first_model", "train_improved_model", "train_with_augmentation"})
LIMITS = CONFIG.thresholds
INPUT_SHAPE = (28, 28, 1)
# The solution's models: the stand-ins when a student's build function fails its checks.
FIRST = ModelSpec("Sequential", INPUT_SHAPE, (
    LayerSpec.of("Conv2D", filters=16, kernel_size=(3, 3), activation="relu"),
    LayerSpec.of("MaxPooling2D", pool_size=(2, 2)), LayerSpec.of("Flatten"),
    LayerSpec.of("Dense", units=10, activation="softmax")), params=27_210)
IMPROVED = ModelSpec("Sequential", INPUT_SHAPE, (
    LayerSpec.of("Conv2D", filters=16, kernel_size=(3, 3), activation="relu"),
    LayerSpec.of("MaxPooling2D", pool_size=(2, 2)),
    LayerSpec.of("Conv2D", filters=32, kernel_size=(3, 3), activation="relu"),
    LayerSpec.of("MaxPooling2D", pool_size=(2, 2)), LayerSpec.of("Flatten"),
    LayerSpec.of("Dense", units=128, activation="relu"), LayerSpec.of("Dropout", rate=0.3),
    LayerSpec.of("Dense", units=10, activation="softmax")), params=108_618)
LOSSES = frozenset({"categorical_crossentropy"})
SAMPLE = 1000  # test images handed to model_confusion_matrix


def training_data(bench: Workbench) -> tuple[np.ndarray, np.ndarray]:
    return bench.x_train, bench.one_hot_train


FIRST_TRAINING = runs.Training(
    "train_first_model", "build_first_model", (), FIRST, training_data,
    notebook=("first_model", "first_history", "x_train", "y_train"))


def _not_trained_further(ns: dict) -> bool:
    """The improved model shares no layer with the augmented one (trained on from a copy)."""
    improved, behind = ns.get("improved_model"), ns.get(augmented.AUGMENTED[0])
    shared = {id(layer) for layer in getattr(behind, "layers", [])}
    return not any(id(layer) in shared for layer in getattr(improved, "layers", []))


IMPROVED_TRAINING = runs.Training(
    "train_improved_model", "build_improved_model", (), IMPROVED, training_data,
    notebook=("improved_model", "improved_history", "x_train", "y_train"),
    untouched=_not_trained_further)
NOTEBOOK_VARIABLES = (*FIRST_TRAINING.notebook, *IMPROVED_TRAINING.notebook[:2],
                      *augmented.AUGMENTED)


# --- kernel side --------------------------------------------------------------------------------

def probe(function: str, ns: dict, bench: Workbench, state: dict) -> Probe:
    """Call the student's ``function`` on inputs we prepare; ``state`` carries trained models."""
    return kernel.run_probe(function, lambda: _PROBES[function](ns, bench, state))


def _probe_prepare(ns: dict, bench: Workbench, state: dict) -> Probe:
    images, labels = bench.sample_train.copy(), bench.y_train[:len(bench.sample_train)].copy()
    value = call_student(ns, "prepare_data", images, labels)
    found = {"input_after": images}
    kinds = [common.keep_array(part, found, key) for part, key in
             zip(value, ("x", "y"), strict=False)] if isinstance(value, tuple) else []
    return Probe("prepare_data", {"returned_type": type(value).__name__,
                                  "length": len(value) if isinstance(value, tuple) else None,
                                  "part_types": kinds}, found)


def error_limit(images: int) -> int:
    """Mistakes allowed on ``images`` test images: the course's max_errors per 10,000, pro rata."""
    return round(LIMITS["max_errors"] * images / 10_000)


def _errors(model, bench: Workbench) -> int:
    """Test images the model gets wrong (kernel side: only to choose a stand-in)."""
    predicted = model.predict(bench.x_test, batch_size=500, verbose=0).argmax(axis=1)
    return int(np.sum(predicted != bench.y_test))


def _probe_improved_training(ns: dict, bench: Workbench, state: dict) -> Probe:
    result = runs.training_probe(sys.modules[__name__], IMPROVED_TRAINING, ns, bench, state)
    model = state.get(IMPROVED_TRAINING.train)
    state["improved_ok"] = result.data.get("history") is not None and model is not None and \
        _errors(model, bench) < error_limit(len(bench.y_test))
    return result


def _reference_training(model, x: np.ndarray, y: np.ndarray) -> None:
    """The solution's recipe: Adam at 0.001, then 0.0003 and 0.0001 for the last two epochs."""
    import keras

    epochs = int(LIMITS["improved_epochs"])
    settle = keras.callbacks.LearningRateScheduler(
        lambda epoch: 0.001 * 0.3 ** max(0, epoch - (epochs - 3)))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=64, callbacks=[settle], verbose=0)


def improved_model(ns: dict, bench: Workbench, state: dict):
    """A trained improved model for later functions: the student's if good enough, else ours."""
    if state.get("improved_ok"):
        return state[IMPROVED_TRAINING.train]
    if "reference_improved" not in state:
        from autograder import workbench

        workbench.seed_everything()
        model = workbench.build_model(IMPROVED)
        _reference_training(model, *training_data(bench))
        state["reference_improved"] = model
    return state["reference_improved"]


def _probe_confusion(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = runs.trained_or_fresh(IMPROVED_TRAINING, state)
    value = call_student(ns, "model_confusion_matrix", model, bench.x_test[:SAMPLE].copy(),
                         bench.y_test[:SAMPLE].copy())
    payload, weights = kernel.model_payload(model, weights=True)
    kind = common.keep_array(value, weights, "returned", lists=True)
    return Probe("model_confusion_matrix", {"returned_type": kind, "model": payload}, weights)


def _training(t: runs.Training):
    return lambda ns, bench, state: runs.training_probe(sys.modules[__name__], t, ns, bench,
                                                          state)


_PROBES = {
    "class_counts": lambda ns, bench, state: common.counts_probe("class_counts", ns, bench),
    "prepare_data": _probe_prepare,
    "build_first_model": lambda ns, bench, state: common.model_probe("build_first_model", ns),
    "train_first_model": _training(FIRST_TRAINING),
    "build_improved_model": lambda ns, bench, state: common.model_probe("build_improved_model",
                                                                        ns),
    "train_improved_model": _probe_improved_training,
    "model_confusion_matrix": _probe_confusion,
    "augmentation_layers": lambda ns, bench, state: augmented.probe_layers(ns),
    "train_with_augmentation": lambda ns, bench, state: augmented.probe_training(
        sys.modules[__name__], ns, bench, state),
    "save_and_reload": lambda ns, bench, state: augmented.probe_save(
        ns, state.get(augmented.TRAIN) or runs.trained_or_fresh(IMPROVED_TRAINING, state)),
}


# --- grader side --------------------------------------------------------------------------------

def verify(result: Probe, bench: Workbench) -> list[Check]:
    """The checks of one function, as (name, thunk, hidden), in the order they run."""
    return _VERIFIERS[result.function](result, bench)


def _verify_prepare(result: Probe, bench: Workbench) -> list[Check]:
    fn, raw = "prepare_data", bench.sample_train

    def pair() -> None:
        kinds = result.data.get("part_types") or []
        common.require(result.data.get("length") == 2 and set(result.arrays) >= {"x", "y"}, fn,
                       "a pair (x, y) of arrays", f"a {result.data.get('returned_type')}"
                       + (f" of {', '.join(kinds)}" if kinds else ""))

    x, y = (lambda: result.arrays["x"]), (lambda: result.arrays["y"])
    return [
        ("returns (x, y)", pair, False),
        ("x has shape (N, 28, 28, 1)", lambda: arrays.check_shape(
            f"{fn}: x", x(), (len(raw), *INPUT_SHAPE)), False),
        ("x is float32", lambda: arrays.check_dtype(f"{fn}: x", x(), "float32"), False),
        ("x in [0, 1]", lambda: arrays.check_unit_range(f"{fn}: x", x()), False),
        ("y is one-hot with 10 classes", lambda: arrays.check_one_hot(
            f"{fn}: y", y(), bench.y_train[:len(raw)], 10), False),
        ("x is each pixel / 255", lambda: arrays.check_scaled_copy(
            f"{fn}: x", x(), raw[..., np.newaxis], 255.0), True),
        ("input not modified", lambda: arrays.check_unchanged(
            f"{fn}: the images passed in", result.arrays["input_after"], raw), True),
    ]


def _model_rules(result: Probe, convolutions: int | None) -> list[Check]:
    """A free architecture: a standard Sequential for MNIST images ending in Dense 10 softmax."""
    fn, payload = result.function, result.data.get("model", {})
    facts = cache(lambda: rebuild.facts(payload, rebuild.rebuild(fn, payload)))
    checks = [("returns a standard Keras model", facts, False),
              ("input shape", lambda: models.check_input_shape(fn, facts(), FIRST), False)]
    if convolutions is not None:
        checks.append(("exactly one Conv2D", lambda: models.check_count_of(
            fn, facts(), "Conv2D", convolutions), False))
    return [*checks, ("ends in Dense 10 softmax", lambda: models.check_output_layer(
        fn, facts(), 10, "softmax"), False)]


def _verify_first_training(result: Probe, bench: Workbench) -> list[Check]:
    fn = result.function
    compiled = Probe(fn, {"compile_config": (result.data.get("model") or {})
                          .get("compile_config")})
    batch = ("batch size 128", lambda: training.check_batch_size(
        fn, result.data.get("fit_params"), int(LIMITS["first_batch_size"]), len(bench.y_train)),
        False)
    more = (*common.verify_compile(compiled, "Adam", LOSSES), batch)
    return runs.verify_training(result, bench, int(LIMITS["first_epochs"]),
                                  LIMITS["first_min_accuracy"], bench.x_held, more)


def _verify_improved_training(result: Probe, bench: Workbench) -> list[Check]:
    fn, history = result.function, result.data.get("history")
    labels, per_10k = bench.y_held, int(LIMITS["max_errors"])

    def few_mistakes() -> dict:
        errors = int(np.sum(common.predicted_classes(result, bench.x_held) != labels))
        limit = error_limit(len(labels))
        measure = Measure(fn, "misclassified test images", errors, limit, len(labels),
                          at_least=False).details()
        if not errors < limit:
            raise CheckFailure(f"{fn}: the trained model", f"fewer than {limit} misclassified "
                               f"test images (of {len(labels):,})", f"{errors}",
                               training.held_out_hint(bench.held_out_count), measure)
        return {"misclassified": errors, "test_images": len(labels), **measure}

    return [
        ("returns the History", lambda: training.check_returns_history(
            fn, result.data.get("type", ""), history), False),
        ("records loss and accuracy", lambda: training.check_history_metrics(fn, history), False),
        (f"fewer than {per_10k} mistakes per 10,000 test images", few_mistakes, True),
    ]


def _verify_confusion(result: Probe, bench: Workbench) -> list[Check]:
    fn, labels = "model_confusion_matrix", bench.y_test[:SAMPLE]

    def same_matrix() -> None:
        from sklearn.metrics import confusion_matrix

        found = common.returned_array(result)
        arrays.check_shape(fn, found, (10, 10))
        predicted = common.predicted_classes(result, bench.x_test[:SAMPLE])
        expected = confusion_matrix(labels, predicted, labels=range(10))
        wrong = np.argwhere(found != expected)
        if wrong.size:
            i, j = (int(v) for v in wrong[0])
            hint = "It looks transposed: rows are the true digits, columns the predicted ones." \
                if np.array_equal(found, expected.T) else ""
            count = int(expected[i, j])
            common.require(False, f"{fn}: entry [{i}, {j}]", f"{count} image"
                           f"{'' if count == 1 else 's'} of digit {i} predicted as {j}",
                           f"{found[i, j]:g}", hint)

    return [("the confusion matrix of the model's predictions", same_matrix, False)]


_VERIFIERS = {
    "class_counts": common.verify_counts,
    "prepare_data": _verify_prepare,
    "build_first_model": lambda result, bench: _model_rules(result, 1),
    "train_first_model": _verify_first_training,
    "build_improved_model": lambda result, bench: _model_rules(result, None),
    "train_improved_model": _verify_improved_training,
    "model_confusion_matrix": _verify_confusion,
    "augmentation_layers": augmented.verify_layers,
    "train_with_augmentation": augmented.verify_training,
    "save_and_reload": augmented.verify_save,
}
