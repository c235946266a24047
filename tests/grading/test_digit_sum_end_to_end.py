"""digit_sum: whole notebooks graded through the real pipeline on real MNIST (slow).

Each submission is the committed release filled in with the source's solution, except for the
cells a patch replaces (tests/conftest.py, write_submission). They are graded once into a
throwaway course; the tests read what the run recorded. A wrong submission that breaks building,
compiling or the training data is trained once more by the grader with stand-ins, so each costs
about a minute.
"""

import re

import pytest

import course_config
from autograder import gradebook
from tests.conftest import assert_blank_gets_zero, assert_loses_exactly, failures, grade_fixtures

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("digit_sum")]
CONFIG = course_config.ASSIGNMENTS["digit_sum"]
POINTS = CONFIG.points
FULL = sum(POINTS.values())
LEAK = ("The sums must come from the model's own reading of the image, never from the true test "
        "labels: that is a label leak.")
PATCHES = {  # the cells each wrong submission writes instead of the solution's
    "sequential_one_output_model": {"build_digit_sum_model": (
        'def build_digit_sum_model():\n'
        '    return keras.Sequential([\n'
        '        keras.Input(shape=(28, 28, 1)),\n'
        '        layers.Conv2D(16, (3, 3), activation="relu"),\n'
        '        layers.MaxPooling2D((2, 2)),\n'
        '        layers.Flatten(),\n'
        '        layers.Dense(64, activation="relu"),\n'
        '        layers.Dense(19, activation="softmax"),\n'
        '    ])')},
    "single_loss_for_both_outputs": {"compile_digit_sum_model": (
        'def compile_digit_sum_model(model):\n'
        '    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",\n'
        '                  metrics={"digit": ["accuracy"], "sum": ["accuracy"]})')},
    "sum_label_off_by_one": {"make_labels": (
        'def make_labels(digits, addends):\n'
        '    digit_labels = np.array(digits, dtype="int64")\n'
        '    return digit_labels, digit_labels + addends + 1')},
    "table_predicted_from_labels": {"results_table": (
        'def results_table(model, images, digit_labels, addends):\n'
        '    actual = digit_labels + addends\n'
        '    return pd.DataFrame({"digit": digit_labels, "addend": addends,'
        ' "actual_sum": actual,\n'
        '                         "predicted_sum": actual, "correct": True})')},
    "true_labels_leak_into_sums": {"predict_sums": (
        'def predict_sums(model, images, addends):\n'
        '    return test_labels + addends')},
    "twenty_class_sum_head": {"build_digit_sum_model": (
        'def build_digit_sum_model():\n'
        '    image = keras.Input(shape=(28, 28, 1), name="image")\n'
        '    addend = keras.Input(shape=(1,), dtype="int32", name="addend")\n'
        '    x = layers.Conv2D(16, (3, 3), activation="relu")(image)\n'
        '    x = layers.MaxPooling2D((2, 2))(x)\n'
        '    x = layers.Flatten()(x)\n'
        '    x = layers.Dense(64, activation="relu")(x)\n'
        '    digit = layers.Dense(10, activation="softmax", name="digit")(x)\n'
        '    one_hot = layers.CategoryEncoding(num_tokens=10, output_mode="one_hot")(addend)\n'
        '    both = layers.Concatenate()([digit, one_hot])\n'
        '    hidden = layers.Dense(64, activation="relu")(both)\n'
        '    total = layers.Dense(20, activation="softmax", name="sum")(hidden)\n'
        '    return keras.Model(inputs=[image, addend], outputs=[digit, total])')},
    "unseeded_addends": {"make_addends": (
        'def make_addends(n, seed):\n'
        '    return np.random.randint(0, 10, size=n)')},
}
WRONG = {
    # how many sums differ, and where first, depends on the trained model (the CPU): a pattern
    "true_labels_leak_into_sums": ("predict_sums", re.compile(re.escape(
        "predict_sums: expected the sums the model predicts (the most probable class of its "
        "'sum' output), found ") + r"[\d,]+ of 5,000 that differ \(first: row \d+, \d+ where "
        r"the model predicts \d+\)\. " + re.escape(
            f"Each of them is the true sum (the test label plus the addend passed in). {LEAK}"))),
    "table_predicted_from_labels": ("results_table", re.compile(re.escape(
        "results_table: column predicted_sum: expected the sums the model predicts (the most "
        "probable class of its 'sum' output), found ") + r"[\d,]+ of 1,000 that differ "
        r"\(first: row \d+, \d+ where the model predicts \d+\)\. " + re.escape(
            f"Each of them is the actual sum (digit label plus addend). {LEAK}"))),
    "twenty_class_sum_head": (
        "build_digit_sum_model", "build_digit_sum_model: output 'sum': expected Dense 19 with "
        "activation 'softmax' (one class for each of 0 to 18), found Dense 20 with activation "
        "'softmax'."),
    "sequential_one_output_model": (
        "build_digit_sum_model", "build_digit_sum_model: expected a functional keras.Model with "
        "two inputs and two outputs, found a Sequential model. A Sequential model has one input "
        "and one output: connect the layers with the functional API and end with "
        "keras.Model(inputs=[image, addend], outputs=[digit, sum])."),
    "unseeded_addends": (
        "make_addends", "make_addends: expected the same addends from two calls with seed 11, "
        "found different ones. Draw them from np.random.default_rng(seed)."),
    "sum_label_off_by_one": (
        "make_labels", "make_labels: the sum labels: expected values from 0 to 18, found values "
        "from 1 to 19. Every sum is 1 more than digit + addend."),
    "single_loss_for_both_outputs": (
        "compile_digit_sum_model", "compile_digit_sum_model: loss: expected one loss for each "
        "output, {'digit': ..., 'sum': ...}, found the single loss "
        "'sparse_categorical_crossentropy' for both outputs. Pass a dict keyed by the output "
        "names."),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_client):
    return grade_fixtures(tmp_path_factory, grading_client, "digit_sum",
                          patches={"blank": None, "solution": {}, **PATCHES})


def test_solution_gets_full_marks_with_both_outputs_above_their_thresholds(graded):
    course, reports = graded
    report = reports["solution"]
    assert failures(report) == {} and report.score == FULL
    measured = {key: value for r in report.results for c in r.checks
                for key, value in c.details.items()}
    assert measured["digit_test_accuracy"] >= CONFIG.thresholds["digit_min_accuracy"]
    assert measured["sum_test_accuracy"] >= CONFIG.thresholds["sum_min_accuracy"]
    assert gradebook.scores("digit_sum", course.db_url)["solution"] == FULL


def test_blank_release_gets_zero_with_one_clear_message_per_function(graded):
    assert_blank_gets_zero(graded[1]["blank"], POINTS)


@pytest.mark.parametrize("student", sorted(WRONG))
def test_wrong_submission_loses_exactly_the_broken_functions_points(graded, student):
    _, reports = graded
    assert_loses_exactly(reports[student], POINTS, *WRONG[student])
