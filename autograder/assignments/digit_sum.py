"""digit_sum: read a digit and add a number to it, with one functional model of two outputs.

Each image gets a seeded random addend from 0 to 9; one model takes the image and the addend and
has two softmax outputs, ``digit`` (10 classes) and ``sum`` (19). ``probe`` runs in the kernel and
hands back plain data; ``verify`` rebuilds the model in the grader's process and runs it on test
images with addends the grader draws itself, so every sum it scores comes from the model's own
reading of the digit. Sums that differ from the model's but equal the true ones are a leak.
"""

from __future__ import annotations

import sys
from functools import cache

import numpy as np

import course_config
from autograder import probe as kernel
from autograder import rebuild, workbench
from autograder.assignments import common, runs
from autograder.checks import compile, multi_output, sums, training
from autograder.checks.results import Check
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench

CONFIG = course_config.ASSIGNMENTS["digit_sum"]
FUNCTIONS = tuple(CONFIG.points)
# feedback plots this run's History (two outputs: no confusion matrix)
PLOTTED: tuple[str, str | None] = ("train_digit_sum_model", None)
# functions whose check trains a network: `autograder check` runs them only with --full
TRAINS = frozenset({"train_digit_sum_model"})
LIMITS = CONFIG.thresholds
INPUTS = {"image": (28, 28, 1), "addend": (1,)}
OUTPUTS = {"digit": 10, "sum": 19}
LOSSES = frozenset({"sparse_categorical_crossentropy"})
COLUMNS = ("digit", "addend", "actual_sum", "predicted_sum", "correct")
BUILD, COMPILE, TRAIN = "build_digit_sum_model", "compile_digit_sum_model", "train_digit_sum_model"
DRAWS, SEEDS = 10_000, (11, 12)  # make_addends is called with these
LABEL_SEED, GRADER_SEED = 5, 2024  # addends the grader draws for make_labels and the test set
SAMPLE = 1000  # rows given to make_labels and results_table
LEAK_INPUT = ("The model may read only the image and the addend: an input for the true digit "
              "leaks the answer into the sum.")


@cache
def addends(seed: int, n: int) -> np.ndarray:
    """The addends a correct ``make_addends(n, seed)`` draws (read-only)."""
    drawn = np.random.default_rng(seed).integers(0, 10, n)
    drawn.flags.writeable = False
    return drawn


def train_data(bench: Workbench) -> tuple[np.ndarray, ...]:
    """What train_digit_sum_model gets: images, addends, digit labels, sum labels."""
    drawn = addends(int(LIMITS["train_seed"]), len(bench.y_train))
    return bench.x_train, drawn, bench.y_train, bench.y_train + drawn


def reference_model():
    """The solution's model, built in its order (same start weights): the build stand-in."""
    import keras
    from keras import layers

    image = keras.Input(shape=INPUTS["image"], name="image")
    addend = keras.Input(shape=INPUTS["addend"], dtype="int32", name="addend")
    x = layers.Conv2D(16, (3, 3), activation="relu")(image)
    x = layers.Dense(64, activation="relu")(layers.Flatten()(layers.MaxPooling2D((2, 2))(x)))
    digit = layers.Dense(10, activation="softmax", name="digit")(x)
    one_hot = layers.CategoryEncoding(num_tokens=10, output_mode="one_hot")(addend)
    hidden = layers.Dense(64, activation="relu")(layers.Concatenate()([digit, one_hot]))
    total = layers.Dense(19, activation="softmax", name="sum")(hidden)
    return keras.Model(inputs=[image, addend], outputs=[digit, total])


def reference_compile(model) -> None:
    """The reference compile settings: the stand-in when compile_digit_sum_model fails."""
    loss = "sparse_categorical_crossentropy"
    model.compile(optimizer="adam", loss={"digit": loss, "sum": loss},
                  metrics={"digit": ["accuracy"], "sum": ["accuracy"]})


# The notebook's trained model, its History and the data it trained on, reused when correct.
TRAINING = runs.Training(
    TRAIN, BUILD, (), None, lambda bench: tuple(a.copy() for a in train_data(bench)),
    compile=COMPILE, reference_compile=reference_compile,
    notebook=("model", "history", "x_train", "train_addends", "train_digits", "train_sums"),
    reference_build=reference_model)
NOTEBOOK_VARIABLES = TRAINING.notebook


# --- kernel side --------------------------------------------------------------------------------

def probe(function: str, ns: dict, bench: Workbench, state: dict) -> Probe:
    """Call the student's ``function`` on inputs we prepare; ``state`` carries the trained model."""
    return kernel.run_probe(function, lambda: _PROBES[function](ns, bench, state))


def _probe_addends(ns: dict, bench: Workbench, state: dict) -> Probe:
    found: dict[str, np.ndarray] = {}
    calls = {"first": (DRAWS, SEEDS[0]), "again": (DRAWS, SEEDS[0]), "other": (DRAWS, SEEDS[1]),
             "small": (5, 0)}
    kinds = {key: common.keep_array(call_student(ns, "make_addends", *args), found, key, True)
             for key, args in calls.items()}
    return Probe("make_addends", {"types": kinds}, found)


def _probe_labels(ns: dict, bench: Workbench, state: dict) -> Probe:
    digits, drawn = bench.y_train[:SAMPLE].copy(), addends(LABEL_SEED, SAMPLE).copy()
    value = call_student(ns, "make_labels", digits, drawn)
    found = {"digits_after": digits, "addends_after": drawn}
    pair = isinstance(value, (tuple, list)) and len(value) == 2
    kinds = [common.keep_array(part, found, key, True) for part, key in
             zip(value, ("digit_labels", "sum_labels"), strict=True)] if pair else []
    return Probe("make_labels", {"returned_type": type(value).__name__, "pair": pair,
                                 "part_types": kinds}, found)


def _probe_compile(ns: dict, bench: Workbench, state: dict) -> Probe:
    model = reference_model()
    call_student(ns, COMPILE, model)
    return Probe(COMPILE, {"compile_config": kernel.plain(model.get_compile_config() or {})})


def _trained(state: dict):
    """The trained model (with its plain payload), or a fresh seeded reference model."""
    if state.get(TRAIN) is None:
        workbench.seed_everything()
        state[TRAIN] = reference_model()
    return state[TRAIN], *kernel.model_payload(state[TRAIN], weights=True)


def _probe_predict(ns: dict, bench: Workbench, state: dict) -> Probe:
    model, payload, found = _trained(state)
    value = call_student(ns, "predict_sums", model, bench.x_test.copy(),
                         addends(GRADER_SEED, len(bench.y_test)).copy())
    kind = common.keep_array(value, found, "returned", lists=True)
    return Probe("predict_sums", {"returned_type": kind, "model": payload}, found)


def _probe_table(ns: dict, bench: Workbench, state: dict) -> Probe:
    model, payload, found = _trained(state)
    value = call_student(ns, "results_table", model, bench.x_test[:SAMPLE].copy(),
                         bench.y_test[:SAMPLE].copy(),
                         addends(GRADER_SEED, len(bench.y_test))[:SAMPLE].copy())
    data = {"returned_type": type(value).__name__, "model": payload}
    if data["returned_type"] == "DataFrame":
        data.update(columns=[str(name) for name in value.columns], rows=len(value))
        for name in COLUMNS:
            if name in value.columns:
                common.keep_array(np.asarray(value[name].to_numpy()), found, f"column_{name}")
    return Probe("results_table", data, found)


_PROBES = {
    "make_addends": _probe_addends, "make_labels": _probe_labels,
    BUILD: lambda ns, bench, state: common.model_probe(BUILD, ns), COMPILE: _probe_compile,
    TRAIN: lambda ns, bench, state: runs.training_probe(sys.modules[__name__], TRAINING, ns,
                                                           bench, state),
    "predict_sums": _probe_predict, "results_table": _probe_table,
}


# --- grader side --------------------------------------------------------------------------------

def verify(result: Probe, bench: Workbench) -> list[Check]:
    """The checks of one function, as (name, thunk, hidden), in the order they run."""
    return _VERIFIERS[result.function](result, bench)


def _rebuilt(fn: str, payload: dict, weights: list[np.ndarray] | None = None):
    multi_output.check_not_sequential(fn, payload.get("type"), "keras.Model(inputs=[image, "
                                      "addend], outputs=[digit, sum])")
    return rebuild.rebuild(fn, payload, weights, kinds=rebuild.FUNCTIONAL)


def _verify_build(result: Probe, bench: Workbench) -> list[Check]:
    fn, payload = BUILD, result.data.get("model", {})
    facts = cache(lambda: rebuild.functional_facts(_rebuilt(fn, payload)))
    return [
        ("returns a functional Keras model", facts, False),
        ("inputs image and addend", lambda: multi_output.check_inputs(
            fn, facts(), INPUTS, LEAK_INPUT), False),
        ("outputs digit and sum", lambda: multi_output.check_outputs(fn, facts(), OUTPUTS),
         False),
        ("the digit is read from the image", lambda: multi_output.check_sources(
            fn, facts(), "digit", ("image",)), False),
        ("the sum uses the image and the addend", lambda: multi_output.check_sources(
            fn, facts(), "sum", ("image", "addend")), False),
    ]


def _verify_compile(result: Probe, bench: Workbench) -> list[Check]:
    import keras

    fn, cfg, outputs = COMPILE, result.data.get("compile_config") or {}, tuple(OUTPUTS)
    return [
        ("model is compiled", lambda: compile.check_compiled(fn, cfg), False),
        ("optimizer is Adam at its defaults", lambda: compile.check_optimizer(
            fn, cfg, "Adam", keras.optimizers.Adam().get_config()), False),
        ("a loss for each output", lambda: multi_output.check_loss_per_output(
            fn, cfg, outputs, LOSSES, "The labels are integers, not one-hot rows."), False),
        ("accuracy for each output", lambda: multi_output.check_accuracy_per_output(
            fn, cfg, outputs, "sparse"), False),
    ]


def _probabilities(result: Probe, images: np.ndarray, drawn: np.ndarray) -> dict[str, np.ndarray]:
    """The handed-back model's outputs by name, computed here on inputs the grader chose."""
    model = _rebuilt(result.function, result.data.get("model", {}),
                     rebuild.weights_of(result.arrays))
    out = model.predict({"image": images, "addend": drawn.reshape(-1, 1)}, batch_size=256,
                        verbose=0)
    return dict(zip(model.output_names, out, strict=True))


def _verify_train(result: Probe, bench: Workbench) -> list[Check]:
    fn, history = TRAIN, result.data.get("history")
    drawn = addends(GRADER_SEED, len(bench.y_held))
    probs = cache(lambda: _probabilities(result, bench.x_held, drawn))
    truth = {"digit": bench.y_held, "sum": bench.y_held + drawn}

    def accurate(output: str) -> dict:
        accuracy = float(np.mean(probs()[output].argmax(axis=1) == truth[output]))
        measure = multi_output.check_output_accuracy(
            fn, output, accuracy, LIMITS[f"{output}_min_accuracy"], len(truth[output]),
            bench.held_out_count)
        return {f"{output}_test_accuracy": accuracy, **measure}

    return [
        ("returns the History", lambda: training.check_returns_history(
            fn, result.data.get("type", ""), history), False),
        (f"trains for {int(LIMITS['epochs'])} epochs", lambda: training.check_epochs(
            fn, history, int(LIMITS["epochs"])), False),
        ("records the loss and accuracy of each output", lambda: multi_output.
         check_history_per_output(fn, history, tuple(OUTPUTS)), False),
        *((f"{output} test accuracy of at least {LIMITS[f'{output}_min_accuracy']}",
           lambda o=output: accurate(o), True) for output in OUTPUTS),
    ]


def _verify_predict(result: Probe, bench: Workbench) -> list[Check]:
    fn, drawn, labels = "predict_sums", addends(GRADER_SEED, len(bench.y_test)), bench.y_test
    out = lambda: common.returned_array(result)  # noqa: E731
    leaks = {"the true sum (the test label plus the addend passed in)": labels + drawn,
             "the notebook's own test_sums (the test labels plus its test addends), not a sum "
             "for the addends passed in": labels + addends(int(LIMITS["test_seed"]), len(labels))}

    def own_sums() -> None:
        probs = _probabilities(result, bench.x_test, drawn)
        sums.check_model_sums(fn, out(), probs["sum"], probs["digit"], drawn, leaks)

    return [
        ("returns an array", out, False),
        ("one sum per image", lambda: common.require(
            out().shape == labels.shape, fn, f"shape {labels.shape}: one sum per image",
            f"shape {out().shape}", "Take the most probable class with .argmax(axis=1)."
            if out().ndim == 2 else ""), False),
        ("integers", lambda: sums.check_integers(fn, out()), False),
        ("the model's own sums", own_sums, False),
    ]


def _verify_table(result: Probe, bench: Workbench) -> list[Check]:
    drawn = addends(GRADER_SEED, len(bench.y_test))[:SAMPLE]
    columns = {name: result.arrays.get(f"column_{name}") for name in COLUMNS}
    return sums.table_checks("results_table", result.data, columns, bench.y_test[:SAMPLE], drawn,
                             cache(lambda: _probabilities(result, bench.x_test[:SAMPLE], drawn)))


_VERIFIERS = {
    "make_addends": lambda result, bench: sums.addend_checks(
        "make_addends", result.arrays, result.data.get("types", {}), DRAWS, SEEDS),
    "make_labels": lambda result, bench: sums.label_checks(
        "make_labels", result.data, result.arrays, bench.y_train[:SAMPLE],
        addends(LABEL_SEED, SAMPLE)),
    BUILD: _verify_build,
    COMPILE: _verify_compile, TRAIN: _verify_train, "predict_sums": _verify_predict,
    "results_table": _verify_table,
}
