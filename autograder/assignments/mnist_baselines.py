"""mnist_baselines: from logistic regression to a CNN on MNIST, with failure analysis.

``probe`` runs in the student's kernel and returns plain data (a logistic regression as its
``coef_``, ``intercept_`` and ``classes_`` arrays); ``verify`` runs in the grader's process on
that data and lists the checks, re-deriving every fact that decides points.
"""

from __future__ import annotations

import sys

import numpy as np

import course_config
from autograder import probe as kernel
from autograder.assignments import common, runs
from autograder.checks import arrays, training
from autograder.checks.models import LayerSpec, ModelSpec
from autograder.checks.results import Check
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench

CONFIG = course_config.ASSIGNMENTS["mnist_baselines"]
FUNCTIONS = tuple(CONFIG.points)
# feedback plots this run: its History, and its model on this Workbench input
PLOTTED: tuple[str, str | None] = ("train_cnn", "x_held")
# functions whose check trains a network: `autograder check` runs them only with --full
TRAINS = frozenset({"train_logistic_regression", "train_mlp", "train_cnn"})
MLP = ModelSpec("Sequential", (784,), (
    LayerSpec.of("Dense", units=1024, activation="relu"), LayerSpec.of("Dropout", rate=0.25),
    LayerSpec.of("Dense", units=512, activation="relu"), LayerSpec.of("Dropout", rate=0.25),
    LayerSpec.of("Dense", units=10, activation="softmax")), params=1_333_770)
CNN = ModelSpec("Sequential", (28, 28, 1), (
    LayerSpec.of("Conv2D", filters=32, kernel_size=(3, 3), activation="relu"),
    LayerSpec.of("Conv2D", filters=64, kernel_size=(3, 3), activation="relu"),
    LayerSpec.of("MaxPooling2D", pool_size=(2, 2)), LayerSpec.of("Dropout", rate=0.25),
    LayerSpec.of("Flatten"), LayerSpec.of("Dense", units=128, activation="relu"),
    LayerSpec.of("Dropout", rate=0.5), LayerSpec.of("Dense", units=10, activation="softmax")),
    params=1_199_882)
LOSSES = frozenset({"categorical_crossentropy"})
SAMPLE = 500  # labels handed to one_hot_labels
FAILURES = 1000  # test images handed to misclassified_indices
QUICK_FIT = 2000  # training images of the stand-in logistic regression for count_misclassified
# count_misclassified gets this many test images, not the notebook's: one that counts on the
# notebook's images instead of its arguments returns another count
COUNTED = 4000
LOGISTIC = ("logistic", "flat_train_images", "train_labels")  # the notebook's fitted model, data

# train_mlp and train_cnn compile inside, so no compile stand-in is ever used (compile=None).
MLP_TRAINING = runs.Training(
    "train_mlp", "build_mlp", (), MLP, lambda bench: (bench.flat_train, bench.one_hot_train),
    notebook=("mlp", "mlp_history", "flat_train_images", "one_hot_train_labels"))
CNN_TRAINING = runs.Training(
    "train_cnn", "build_cnn", (), CNN, lambda bench: (bench.x_train, bench.one_hot_train),
    notebook=("cnn", "cnn_history", "cnn_train_images", "one_hot_train_labels"))
# The notebook's variables a probe may reuse: a check is redone when any of them changes.
NOTEBOOK_VARIABLES = tuple(dict.fromkeys((*LOGISTIC, *MLP_TRAINING.notebook,
                                          *CNN_TRAINING.notebook)))


# --- kernel side --------------------------------------------------------------------------------

def probe(function: str, ns: dict, bench: Workbench, state: dict) -> Probe:
    """Call the student's ``function`` on inputs we prepare; ``state`` carries fitted models."""
    return kernel.run_probe(function, lambda: _PROBES[function](ns, bench, state))


def _probe_summary(ns: dict, bench: Workbench, state: dict) -> Probe:
    given = (bench.raw_train, bench.y_train, bench.raw_test, bench.y_test)
    value = call_student(ns, "dataset_summary", *(array.copy() for array in given))
    shape = type(value.get("image_shape")).__name__ if isinstance(value, dict) else None
    return Probe("dataset_summary", {"returned_type": type(value).__name__,
                                     "returned": kernel.plain(value), "shape_type": shape})


def _linear(function: str, model: object, data: dict) -> Probe:
    """A linear classifier as plain data: its class name and its fitted arrays."""
    found: dict[str, np.ndarray] = {}
    for name in ("coef_", "intercept_", "classes_"):
        common.keep_array(getattr(model, name, None), found, name)
    return Probe(function, {"type": type(model).__name__, **data}, found)


def _probe_logistic(ns: dict, bench: Workbench, state: dict) -> Probe:
    """The notebook's fitted model if it was fitted on exactly our data, else fitted here."""
    model_name, x_name, y_name = LOGISTIC
    model = ns.get(model_name)
    reused = (type(model).__name__ == "LogisticRegression" and common.holds(ns, x_name,
              bench.flat_train) and common.holds(ns, y_name, bench.y_train))
    if not reused:
        model = call_student(ns, "train_logistic_regression", bench.flat_train.copy(),
                             bench.y_train.copy())
    if type(model).__name__ == "LogisticRegression" and np.shape(getattr(model, "coef_", None)) \
            == (10, 784):  # count_misclassified gets it
        state["train_logistic_regression"] = model
    return _linear("train_logistic_regression", model, {"reused_notebook_run": reused})


def _probe_count(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = state.get("train_logistic_regression", state.get("quick_logistic"))
    if model is None:
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):  # a second or so; contended BLAS threads take far longer
            model = LogisticRegression(max_iter=100).fit(bench.flat_train[:QUICK_FIT],
                                                         bench.y_train[:QUICK_FIT])
        state["quick_logistic"] = model
    value = call_student(ns, "count_misclassified", model, bench.flat_test[:COUNTED].copy(),
                         bench.y_test[:COUNTED].copy())
    return _linear("count_misclassified", model, {"returned": kernel.plain(value)})


def _probe_failures(ns: dict, bench: Workbench, state: dict) -> Probe:
    """The trained CNN if there is one, else a fresh seeded reference CNN."""
    model = runs.trained_or_fresh(CNN_TRAINING, state)
    value = call_student(ns, "misclassified_indices", model, bench.x_test[:FAILURES].copy(),
                         bench.y_test[:FAILURES].copy())
    payload, weights = kernel.model_payload(model, weights=True)
    kind = common.keep_array(value, weights, "returned", lists=True)
    return Probe("misclassified_indices", {"returned_type": kind, "model": payload}, weights)


def _training(t: runs.Training):
    return lambda ns, bench, state: runs.training_probe(sys.modules[__name__], t, ns, bench,
                                                          state)


_PROBES = {
    "dataset_summary": _probe_summary,
    "digit_counts": lambda ns, bench, _: common.counts_probe("digit_counts", ns, bench),
    "flatten_images": lambda ns, bench, _: common.array_probe("flatten_images", ns,
                                                              bench.sample_train),
    "one_hot_labels": lambda ns, bench, _: common.array_probe("one_hot_labels", ns,
                                                              bench.y_train[:SAMPLE]),
    "train_logistic_regression": _probe_logistic, "count_misclassified": _probe_count,
    "build_mlp": lambda ns, bench, _: common.model_probe("build_mlp", ns),
    "train_mlp": _training(MLP_TRAINING),
    "build_cnn": lambda ns, bench, _: common.model_probe("build_cnn", ns),
    "train_cnn": _training(CNN_TRAINING), "misclassified_indices": _probe_failures,
}


# --- grader side --------------------------------------------------------------------------------

def verify(result: Probe, bench: Workbench) -> list[Check]:
    """The checks of one function, as (name, thunk, hidden), in the order they run."""
    return _VERIFIERS[result.function](result, bench)


def _shown(value: object) -> str:
    """A plain value as a student wrote it (JSON turned tuples into lists)."""
    if isinstance(value, dict) and set(value) == {"repr", "type"}:
        return str(value["repr"])
    return str(tuple(value)) if isinstance(value, list) else repr(value)


def _verify_summary(result: Probe, bench: Workbench) -> list[Check]:
    fn, value = "dataset_summary", result.data.get("returned")
    truth = {"train_size": len(bench.raw_train), "test_size": len(bench.raw_test),
             "image_shape": list(bench.raw_train.shape[1:])}

    def is_dict() -> None:
        kind = result.data.get("returned_type")
        missing = [key for key in truth if kind != "dict" or key not in value]
        common.require(not missing, fn, f"a dict with the keys {', '.join(truth)}",
                       f"a dict without {', '.join(missing)}" if kind == "dict"
                       else f"a value of type {kind}")

    def same(key: str) -> None:
        common.require(value[key] == truth[key], f"{fn}: {key}", _shown(truth[key]),
                       _shown(value[key]))
        kind = result.data.get("shape_type") if key == "image_shape" else "tuple"
        common.require(kind == "tuple", f"{fn}: {key}", "a tuple", f"a {kind}",
                       "The .shape of an array is a tuple.")

    return [("returns a dict of the three facts", is_dict, False),
            *((f"{key} is right", lambda k=key: same(k), False) for key in truth)]


def _verify_flatten(result: Probe, bench: Workbench) -> list[Check]:
    fn, raw = "flatten_images", bench.sample_train
    out = lambda: common.returned_array(result)  # noqa: E731
    return [
        ("returns an array", out, False),
        ("shape (N, 784)", lambda: arrays.check_shape(fn, out(), (len(raw), 784)), False),
        ("values in [0, 1]", lambda: arrays.check_unit_range(fn, out()), False),
        ("float32", lambda: arrays.check_dtype(fn, out(), "float32"), False),
        ("divided by 255", lambda: arrays.check_scaled_copy(
            fn, out(), raw.reshape(len(raw), -1), 255.0), True),
        ("input not modified", lambda: arrays.check_unchanged(
            f"{fn}: the images passed in", result.arrays["input_after"], raw), True),
    ]


def _predictions(result: Probe, x: np.ndarray) -> np.ndarray:
    """What the handed-back linear classifier predicts, computed here from its arrays."""
    found = result.arrays
    return found["classes_"][np.argmax(x @ found["coef_"].T + found["intercept_"], axis=1)]


def _verify_logistic(result: Probe, bench: Workbench) -> list[Check]:
    fn, threshold, found = ("train_logistic_regression",
                            CONFIG.thresholds["logistic_min_accuracy"], result.arrays)

    def fitted() -> None:
        common.require(set(found) == {"coef_", "intercept_", "classes_"}, fn,
                       "a fitted model (with coef_, intercept_ and classes_)",
                       "a model that was not fitted", "Call its fit method before returning it.")
        common.require(found["coef_"].shape == (10, 784), f"{fn}: coef_", "shape (10, 784): "
                       "one row of 784 pixel weights per digit", f"shape {found['coef_'].shape}")

    def accurate() -> dict:
        accuracy = float(np.mean(_predictions(result, bench.flat_held) == bench.y_held))
        measure = training.check_min_accuracy(fn, accuracy, threshold, len(bench.y_held),
                                              bench.held_out_count)
        return {"test_accuracy": accuracy, **measure}

    return [
        ("returns a LogisticRegression", lambda: common.require(
            result.data.get("type") == "LogisticRegression", fn,
            "a scikit-learn LogisticRegression", f"a value of type {result.data.get('type')}",
            "Return the fitted model."), False),
        ("fitted on 10 digits of 784 pixels", fitted, False),
        (f"test accuracy of at least {threshold}", accurate, True),
    ]


def _verify_count(result: Probe, bench: Workbench) -> list[Check]:
    fn, returned = "count_misclassified", result.data.get("returned")

    def same_count() -> dict:
        labels = bench.y_test[:COUNTED]
        expected = int(np.sum(_predictions(result, bench.flat_test[:COUNTED]) != labels))
        exact = isinstance(returned, int) and not isinstance(returned, bool)
        hint = ("That is the number of correctly classified images."
                if returned == len(labels) - expected else
                "Return a count of images, as an int." if not exact else "")
        common.require(exact and returned == expected, fn,
                       f"{expected} misclassified test images", _shown(returned), hint)
        return {"misclassified": expected}

    return [("number of misclassified images", same_count, False)]


def _verify_trained(result: Probe, bench: Workbench, name: str, optimizer: str,
                    settings: dict | None, x_held: np.ndarray) -> list[Check]:
    """The History and the accuracy, with the compile settings the function itself chose."""
    compiled = Probe(result.function,
                     {"compile_config": (result.data.get("model") or {}).get("compile_config")})
    more = tuple(common.verify_compile(compiled, optimizer, LOSSES, settings))
    return runs.verify_training(result, bench, int(CONFIG.thresholds[f"{name}_epochs"]),
                                  CONFIG.thresholds[f"{name}_min_accuracy"], x_held, more)


def _verify_failures(result: Probe, bench: Workbench) -> list[Check]:
    fn, labels = "misclassified_indices", bench.y_test[:FAILURES]

    def same_indices() -> dict:
        found = common.returned_array(result)
        common.require(found.ndim == 1 and (found.dtype.kind in "iu" or not found.size), fn,
                       "a 1-D array of integer indices", arrays.describe(found),
                       "Turn the mask into indices with np.flatnonzero."
                       if found.dtype == bool else "")
        predicted = common.predicted_classes(result, bench.x_test[:FAILURES])
        expected = np.flatnonzero(predicted != labels)
        missing, extra = np.setdiff1d(expected, found), np.setdiff1d(found, expected)
        parts = [f"{len(part)} {what} (first: {int(part[0])})"
                 for part, what in ((missing, "missing"), (extra, "extra")) if len(part)]
        correct = np.setdiff1d(np.arange(FAILURES), expected)
        hint = "Those are the images the model classified correctly." \
            if len(correct) and np.array_equal(np.unique(found), correct) else ""
        common.require(not parts, fn, f"the {len(expected)} indices of misclassified images",
                       " and ".join(parts), hint)
        return {"misclassified": len(expected)}

    return [("indices of the misclassified images", same_indices, False)]


_VERIFIERS = {
    "dataset_summary": _verify_summary, "digit_counts": common.verify_counts,
    "flatten_images": _verify_flatten,
    "one_hot_labels": lambda result, bench: common.verify_one_hot(result, bench.y_train[:SAMPLE]),
    "train_logistic_regression": _verify_logistic, "count_misclassified": _verify_count,
    "build_mlp": lambda result, bench: common.verify_model(result, MLP),
    "train_mlp": lambda result, bench: _verify_trained(result, bench, "mlp", "Adam", None,
                                                       bench.flat_held),
    "build_cnn": lambda result, bench: common.verify_model(result, CNN),
    "train_cnn": lambda result, bench: _verify_trained(result, bench, "cnn", "Adadelta",
                                                       {"learning_rate": 1.0}, bench.x_held),
    "misclassified_indices": _verify_failures,
}
