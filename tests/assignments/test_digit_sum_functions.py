"""The graded functions of digit_sum, called directly (testbook style, no kernel).

Only the test marked slow trains: the training checks are judged from hand-made probes, and
predict_sums and results_table run on the fresh seeded (untrained) reference model.
"""

import re

import numpy as np
import pytest

import course_config
from autograder import assignments, rebuild, verdicts
from autograder import probe as kernel
from autograder.assignments import digit_sum
from autograder.checks import sums
from autograder.checks.results import CheckFailure
from autograder.probe import Probe
from autograder.workbench import Workbench
from tests.conftest import solution_namespace

CONFIG = course_config.ASSIGNMENTS["digit_sum"]
POINTS = CONFIG.points
BUILD = '''def build_digit_sum_model():
    image = keras.Input(shape=(28, 28, 1), name="image")
    addend = keras.Input(shape=(1,), dtype="int32", name="addend")
    digit = layers.Dense(10, activation="softmax", name="digit")(layers.Flatten()(image))
    one_hot = layers.CategoryEncoding(num_tokens=10, output_mode="one_hot")(addend)
    both = layers.Concatenate()([digit, one_hot])
    total = layers.Dense(19, activation="softmax", name="sum")(both)
    return keras.Model(inputs=[image, addend], outputs=[digit, total])'''
LEAK = ("The sums must come from the model's own reading of the image, never from the true test "
        "labels: that is a label leak.")


@pytest.fixture(scope="module")
def bench():
    return Workbench()


@pytest.fixture(scope="module")
def state():
    """Shared by predict_sums and results_table: the fresh reference model is built once."""
    return {}


def judge(function, ns, bench, state=None):
    found = digit_sum.probe(function, ns, bench, state if state is not None else {})
    return verdicts.judge(digit_sum, found, bench, POINTS[function])


def messages(function, source, bench, state=None, **variables):
    ns = solution_namespace("digit_sum", {function: source})
    ns.update(variables)
    return judge(function, ns, bench, state).messages


def leaked_rows(state, bench):
    """Where the fresh reference model's sums are not (within a tie) the true sums."""
    drawn = digit_sum.addends(digit_sum.GRADER_SEED, len(bench.y_test))
    probs = state[digit_sum.TRAIN].predict({"image": bench.x_test, "addend": drawn},
                                           verbose=0)[1]
    true = bench.y_test + drawn
    wrong = np.flatnonzero(probs[np.arange(len(true)), true] < probs.max(axis=1) - sums.TIE)
    return wrong, true, probs.argmax(axis=1)


def test_the_assignment_is_registered():
    assert assignments.get("digit_sum") is digit_sum
    assert tuple(POINTS) == digit_sum.FUNCTIONS and sum(POINTS.values()) == 10
    assert {"model", "history", "train_addends", "train_sums"} <= set(
        digit_sum.NOTEBOOK_VARIABLES)


@pytest.mark.parametrize("function", [f for f in POINTS if f != "train_digit_sum_model"])
def test_solution_functions_pass_every_check(bench, state, function):
    result = judge(function, solution_namespace("digit_sum"), bench, state)
    assert result.messages == [] and result.score == POINTS[function]


@pytest.mark.parametrize(("body", "message"), [
    ("np.random.randint(0, 10, n)", "make_addends: expected the same addends from two calls with "
     "seed 11, found different ones. Draw them from np.random.default_rng(seed)."),
    ("np.random.default_rng(0).integers(0, 10, n)", "make_addends: expected different addends "
     "for seed 11 and seed 12, found the same ones. Pass seed to np.random.default_rng."),
    ("np.random.default_rng(seed).integers(0, 9, n)", "make_addends: expected each addend from 0 "
     "to 9 drawn about 1000 times in 10000 draws, found 9 drawn 0 times. integers(low, high) "
     "never draws high: use integers(0, 10)."),
    ("np.random.default_rng(seed).integers(1, 11, n)",
     "make_addends: expected values from 0 to 9, found values from 1 to 10."),
    ("np.random.default_rng(seed).random(n) * 10",
     "make_addends: expected integers, found dtype float64. Convert with .astype(int)."),
    ("list(np.random.default_rng(seed).integers(0, 10, n))", None),  # a list is fine
])
def test_addend_mistakes(bench, body, message):
    found = messages("make_addends", f"def make_addends(n, seed):\n    return {body}", bench)
    assert found == ([message] if message else [])


@pytest.mark.parametrize(("body", "message"), [
    ("return d.copy(), d + a + 1", "make_labels: the sum labels: expected values from 0 to 18, "
     "found values from 1 to 19. Every sum is 1 more than digit + addend."),
    ("return d + a, d.copy()",
     "make_labels: the digit labels: expected values from 0 to 9, found values from 0 to 18."),
    ("return d + a", "make_labels: expected 2 return values (digit_labels, sum_labels), found a "
     "value of type ndarray."),
    ("return d.astype(float), d + a", "make_labels: the digit labels: expected integers, found "
     "dtype float64. Convert with .astype(int)."),
    ("a += 1\n    return d.copy(), d + a - 1", "make_labels: the arrays passed in: expected them "
     "left unchanged, found that they were modified in place. Return new arrays instead of "
     "changing the ones passed in."),
])
def test_label_mistakes(bench, body, message):
    assert messages("make_labels", f"def make_labels(d, a):\n    {body}", bench) == [message]


def test_a_sum_wrong_in_one_row_is_named(bench):
    source = "def make_labels(d, a):\n    s = d + a\n    s[3] = 0\n    return d.copy(), s"
    digit, addend = bench.y_train[3], digit_sum.addends(digit_sum.LABEL_SEED, 1000)[3]
    assert messages("make_labels", source, bench) == [
        f"make_labels: the sum labels: expected row 3 to be {digit} + {addend} = "
        f"{digit + addend}, found 0."]


@pytest.mark.parametrize(("changes", "message"), [
    ({"Dense(19": "Dense(20"}, "build_digit_sum_model: output 'sum': expected Dense 19 with "
     "activation 'softmax' (one class for each of 0 to 18), found Dense 20 with activation "
     "'softmax'."),
    ({'activation="softmax", name="sum"': 'name="sum"'}, "build_digit_sum_model: output 'sum': "
     "expected Dense 19 with activation 'softmax' (one class for each of 0 to 18), found Dense "
     "19 with activation 'linear'."),
    ({"outputs=[digit, total]": "outputs=[total, digit]"}, "build_digit_sum_model: expected 2 "
     "outputs named digit, sum, in this order, found 2 outputs (sum, digit). Name the output "
     "layers with name=..., and pass them in a list to keras.Model(outputs=[...])."),
    ({'name="sum")(both)': 'name="sum")(one_hot)'}, "build_digit_sum_model: output 'sum': "
     "expected an output computed from image and addend, found one computed from addend only."),
    ({'name="image"': 'name="picture"'}, "build_digit_sum_model: expected the inputs named "
     "image, addend, in this order, found picture, addend. Name them with keras.Input(..., "
     "name=...)."),
    ({'shape=(1,), dtype="int32"': "shape=(10,)",  # the addend given as a one-hot row
      'layers.CategoryEncoding(num_tokens=10, output_mode="one_hot")(addend)': "addend"},
     "build_digit_sum_model: input 'addend': expected shape (1,), found shape (10,)."),
    ({"(both)": "(keras.ops.add(both, 0.0))"}, "build_digit_sum_model: expected a model built "
     "only from standard Keras layers, found a Add object from module 'keras.src.ops.numpy'."),
    ({"    digit = ": "    true_digit = keras.Input(shape=(1,), name='true_digit')\n    digit = ",
      "inputs=[image, addend]": "inputs=[image, addend, true_digit]"},  # a leak
     "build_digit_sum_model: expected 2 inputs (image, addend), found 3 inputs (image, addend, "
     "true_digit). The model may read only the image and the addend: an input for the true "
     "digit leaks the answer into the sum."),
])
def test_model_mistakes(bench, changes, message):
    source = BUILD
    for old, new in changes.items():
        assert old in source
        source = source.replace(old, new)
    assert messages("build_digit_sum_model", source, bench) == [message]


def test_a_sequential_model_is_told_to_use_the_functional_api(bench):
    source = ("def build_digit_sum_model():\n    return keras.Sequential([keras.Input(shape=(28, "
              "28, 1)), layers.Flatten(), layers.Dense(19, activation='softmax')])")
    assert messages("build_digit_sum_model", source, bench) == [
        "build_digit_sum_model: expected a functional keras.Model with two inputs and two "
        "outputs, found a Sequential model. A Sequential model has one input and one output: "
        "connect the layers with the functional API and end with keras.Model(inputs=[image, "
        "addend], outputs=[digit, sum])."]


def test_functional_models_are_refused_where_a_sequential_one_is_expected():
    payload, _ = kernel.model_payload(digit_sum.reference_model())
    with pytest.raises(CheckFailure, match="get_model: expected a Sequential model, found a "
                                           "model of class Functional."):
        rebuild.rebuild("get_model", payload)


@pytest.mark.parametrize(("settings", "message"), [
    ("loss='sparse_categorical_crossentropy', metrics={'digit': 'accuracy', 'sum': 'accuracy'}",
     "compile_digit_sum_model: loss: expected one loss for each output, {'digit': ..., 'sum': "
     "...}, found the single loss 'sparse_categorical_crossentropy' for both outputs. Pass a "
     "dict keyed by the output names."),
    ("loss={'digit': 'categorical_crossentropy', 'sum': 'sparse_categorical_crossentropy'}",
     "compile_digit_sum_model: loss of 'digit': expected sparse_categorical_crossentropy, found "
     "categorical_crossentropy. The labels are integers, not one-hot rows."),
    ("loss=['sparse_categorical_crossentropy', keras.losses.SparseCategoricalCrossentropy("
     "from_logits=True)], metrics=[['acc'], ['accuracy']]", "compile_digit_sum_model: loss of "
     "'sum': expected sparse_categorical_crossentropy on probabilities (from_logits=False), "
     "found from_logits=True. The output already ends in a softmax."),
    ("loss={'digit': 'sparse_categorical_crossentropy', 'sum': "
     "'sparse_categorical_crossentropy'}", "compile_digit_sum_model: metrics: expected accuracy "
     "for each output, {'digit': ['accuracy'], 'sum': ['accuracy']}, found no metrics."),
])
def test_compile_mistakes(bench, settings, message):
    source = f"def compile_digit_sum_model(model):\n    model.compile(optimizer='adam', {settings})"
    assert messages("compile_digit_sum_model", source, bench) == [message]


LOSSES = ("loss={'digit': 'sparse_categorical_crossentropy', "
          "'sum': 'sparse_categorical_crossentropy'}")


@pytest.mark.parametrize("metrics", [
    "{'digit': 'acc', 'sum': keras.metrics.SparseCategoricalAccuracy()}",
    "{'digit': ['sparse_categorical_accuracy'], "
    "'sum': [keras.metrics.sparse_categorical_accuracy]}",
    "[['accuracy'], ['acc']]",
])
def test_every_spelling_of_an_accuracy_for_each_output_passes(bench, metrics):
    source = ("def compile_digit_sum_model(model):\n    model.compile(optimizer="
              f"keras.optimizers.Adam(), {LOSSES}, metrics={metrics})")
    assert messages("compile_digit_sum_model", source, bench) == []


def test_an_exact_equality_accuracy_on_an_output_is_named(bench):
    source = ("def compile_digit_sum_model(model):\n    model.compile(optimizer='adam', "
              f"{LOSSES}, metrics={{'digit': 'accuracy', 'sum': keras.metrics.Accuracy()}})")
    assert messages("compile_digit_sum_model", source, bench) == [
        "compile_digit_sum_model: metrics of 'sum': expected accuracy for each output, "
        "{'digit': ['accuracy'], 'sum': ['accuracy']}, found Accuracy(). It counts predictions "
        "exactly equal to their labels, which probabilities never are: use "
        "metrics=['accuracy']."]


def training_messages(bench, history):
    """Judge train_digit_sum_model from a hand-made probe of the untrained reference model."""
    model = digit_sum.reference_model()
    digit_sum.reference_compile(model)
    payload, weights = kernel.model_payload(model, weights=True)
    found = Probe(digit_sum.TRAIN, {"type": "History", "history": history, "model": payload},
                  weights)
    return verdicts.judge(digit_sum, found, bench, POINTS[digit_sum.TRAIN]).messages


def test_training_records_each_output(bench):
    history = {"loss": [0.1] * 3, "accuracy": [0.9] * 3}
    assert training_messages(bench, history) == [
        "train_digit_sum_model: expected a history with the loss and the accuracy of each output "
        "(digit_loss, sum_loss, digit_accuracy, sum_accuracy), found the keys ['accuracy', "
        "'loss']."]
    assert training_messages(bench, {"loss": [0.1] * 2}) == [
        "train_digit_sum_model: expected 3 epochs of training, found 2 (the history has 2 "
        "entries)."]


def test_an_untrained_model_misses_the_digit_threshold(bench):
    keys = ("loss", "digit_loss", "sum_loss", "digit_accuracy", "sum_accuracy")
    found = training_messages(bench, {key: [0.5] * 3 for key in keys})
    assert len(found) == 1 and re.fullmatch(
        r"train_digit_sum_model: the 'digit' output: expected test accuracy of at least 0\.97, "
        r"found 0\.\d{4}\.", found[0]), found


def test_true_labels_in_predict_sums_are_named_as_a_leak(bench, state):
    source = "def predict_sums(model, images, addends):\n    return test_labels + addends"
    found = messages("predict_sums", source, bench, state, test_labels=bench.y_test)
    wrong, true, predicted = leaked_rows(state, bench)
    assert found == [
        "predict_sums: expected the sums the model predicts (the most probable class of its "
        f"'sum' output), found {len(wrong):,} of 10,000 that differ (first: row {wrong[0]}, "
        f"{true[wrong[0]]} where the model predicts {predicted[wrong[0]]}). Each of them is the "
        f"true sum (the test label plus the addend passed in). {LEAK}"]


@pytest.mark.parametrize(("body", "message"), [
    ("out[0].argmax(axis=1) + addends", r"predict_sums: expected the sums the model predicts "
     r"\(the most probable class of its 'sum' output\), found [\d,]+ of 10,000 that differ "
     r"\(first: row \d+, \d+ where the model predicts \d+\)\. They are the 'digit' output's "
     r"reading plus the addend: return the most probable class of the 'sum' output\."),
    ("out[1]", r"predict_sums: expected shape \(10000,\): one sum per image, found shape "
     r"\(10000, 19\)\. Take the most probable class with \.argmax\(axis=1\)\."),
    ("test_sums", r"predict_sums: .* Each of them is the notebook's own test_sums \(the test "
     r"labels plus its test addends\), not a sum for the addends passed in\. " + re.escape(LEAK)),
])
def test_predict_sums_mistakes(bench, state, body, message):
    source = ("def predict_sums(model, images, addends):\n    out = model.predict({'image': "
              f"images, 'addend': addends}}, verbose=0)\n    return {body}")
    test_sums = bench.y_test + digit_sum.addends(int(CONFIG.thresholds["test_seed"]), 10000)
    found = messages("predict_sums", source, bench, state, test_sums=test_sums)
    assert len(found) == 1 and re.fullmatch(message, found[0]), found


TABLE = '''def results_table(model, images, digit_labels, addends):
    predicted = model.predict({"image": images, "addend": addends}, verbose=0)[1].argmax(axis=1)
    actual = digit_labels + addends
    return pd.DataFrame({"digit": digit_labels, "addend": addends, "actual_sum": actual,
                         "predicted_sum": PREDICTED, "correct": CORRECT})'''


@pytest.mark.parametrize(("predicted", "correct", "message"), [
    ("actual", "True", r"results_table: column predicted_sum: expected the sums the model "
     r"predicts \(the most probable class of its 'sum' output\), found [\d,]+ of 1,000 that "
     r"differ \(first: row \d+, \d+ where the model predicts \d+\)\. Each of them is the actual "
     r"sum \(digit label plus addend\)\. " + re.escape(LEAK)),
    ("predicted", "predicted != actual", r"results_table: column correct: expected whether the "
     r"predicted sum equals the actual sum in every row, found 1000 rows that differ \(first: "
     r"row 0, True instead of False\)\."),
    ("predicted", "np.where(predicted == actual, 'yes', 'no')", r"results_table: column "
     r"correct: expected 1000 numbers \(whether the predicted sum equals the actual sum\), "
     r"found values of another type\."),
])
def test_results_table_mistakes(bench, state, predicted, correct, message):
    source = TABLE.replace("PREDICTED", predicted).replace("CORRECT", correct)
    found = messages("results_table", source, bench, state)
    assert len(found) == 1 and re.fullmatch(message, found[0]), found


def test_results_table_names_its_missing_columns(bench, state):
    source = ("def results_table(model, images, digit_labels, addends):\n"
              "    return pd.DataFrame({'actual': digit_labels + addends})")
    assert messages("results_table", source, bench, state) == [
        "results_table: expected the columns digit, addend, actual_sum, predicted_sum, correct, "
        "found the columns actual. Missing: digit, addend, actual_sum, predicted_sum, correct."]


@pytest.mark.slow
def test_the_notebooks_training_run_is_reused_and_passes(bench):
    """Trained on exactly the prepared data, the notebook's model is judged without retraining."""
    ns = solution_namespace("digit_sum")
    images, drawn, digits, totals = digit_sum.train_data(bench)
    digit_sum.workbench.seed_everything()
    model = ns["build_digit_sum_model"]()
    ns["compile_digit_sum_model"](model)
    history = ns["train_digit_sum_model"](model, images, drawn, digits, totals)
    ns.update(model=model, history=history, x_train=images, train_addends=np.array(drawn),
              train_digits=digits, train_sums=totals)
    del ns["train_digit_sum_model"]  # would fail the check if it were called
    found = digit_sum.probe(digit_sum.TRAIN, ns, bench, {})
    assert found.data["reused_notebook_run"] is True
    result = verdicts.judge(digit_sum, found, bench, POINTS[digit_sum.TRAIN])
    details = {k: v for check in result.checks for k, v in check.details.items()}
    assert result.passed and details["digit_test_accuracy"] >= 0.97 and \
        details["sum_test_accuracy"] >= 0.95, (result.messages, details)
