"""mnist_baselines: whole notebooks graded through the real pipeline on real MNIST (slow).

Each submission is the committed release filled in with the source's solution, except for the
cells a patch replaces (tests/conftest.py, write_submission). The solution is graded on all of
MNIST, the others on the sample, each run once into a throwaway course and in its own xdist
group: the two workers share the load.
"""

import pytest

import course_config
from tests.conftest import (
    assert_blank_gets_zero,
    assert_hand_grades_add_to_total,
    assert_loses_exactly,
    failures,
    grade_fixtures,
)

pytestmark = pytest.mark.slow
CONFIG = course_config.ASSIGNMENTS["mnist_baselines"]
POINTS = CONFIG.points
FULL = sum(POINTS.values())
PATCHES = {  # the cells each wrong submission writes instead of the solution's
    "adam_instead_of_adadelta": {"train_cnn": (
        'def train_cnn(model, train_images, one_hot_train_labels):\n'
        '    model.compile(optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy",\n'
        '                  metrics=["accuracy"])\n'
        '    return model.fit(train_images, one_hot_train_labels,'
        ' batch_size=128, epochs=3, verbose=2)')},
    "dropout_before_first_dense": {"build_mlp": (
        'def build_mlp():\n'
        '    return Sequential([\n'
        '        keras.Input(shape=(784,)),\n'
        '        Dropout(0.25),\n'
        '        Dense(1024, activation="relu"),\n'
        '        Dense(512, activation="relu"),\n'
        '        Dropout(0.25),\n'
        '        Dense(10, activation="softmax"),\n'
        '    ])')},
    "eleven_class_one_hot": {"one_hot_labels": (
        'def one_hot_labels(labels):\n'
        '    return keras.utils.to_categorical(labels, 11)')},
    "lr_keyword_removed_in_keras3": {"train_cnn": (
        'def train_cnn(model, train_images, one_hot_train_labels):\n'
        '    model.compile(optimizer=keras.optimizers.Adadelta(lr=1.0),'
        ' loss="categorical_crossentropy",\n'
        '                  metrics=["accuracy"])\n'
        '    return model.fit(train_images, one_hot_train_labels,'
        ' batch_size=128, epochs=3, verbose=2)')},
    "mlp_1000_units": {"build_mlp": (
        'def build_mlp():\n'
        '    return Sequential([\n'
        '        keras.Input(shape=(784,)),\n'
        '        Dense(1000, activation="relu"),\n'
        '        Dropout(0.25),\n'
        '        Dense(512, activation="relu"),\n'
        '        Dropout(0.25),\n'
        '        Dense(10, activation="softmax"),\n'
        '    ])')},
    "unscaled_flat_images": {"flatten_images": (
        'def flatten_images(images):\n'
        '    return images.reshape(len(images), 784).astype("float32")')},
}
WRONG = {
    "mlp_1000_units": ("build_mlp", "build_mlp: layer 1 (Dense): expected units 1024, found 1000."),
    "dropout_before_first_dense": (
        "build_mlp", "build_mlp: expected 5 layers (Dense, Dropout, Dense, Dropout, Dense), "
                     "found 5 (Dropout, Dense, Dense, Dropout, Dense). Problem: unexpected "
                     "layer 1 (Dropout); missing layer 2 (Dropout)."),
    "adam_instead_of_adadelta": ("train_cnn",
                                 "train_cnn: optimizer: expected Adadelta, found Adam."),
    "unscaled_flat_images": ("flatten_images", "flatten_images: expected values in [0, 1], found "
                                               "values from 0 to 255. They look unscaled."),
    "eleven_class_one_hot": ("one_hot_labels",
                             "one_hot_labels: expected one-hot rows of 10 columns, one per "
                             "class, found shape (500, 11). Use 10 classes: the digits 0 to 9."),
    "lr_keyword_removed_in_keras3": ("train_cnn", "train_cnn: the optimizer's argument lr is "
                                                  "Keras 2's; Keras 3 calls it learning_rate."),
}
on_all_of_mnist = pytest.mark.xdist_group("mnist_baselines_full")
on_the_sample = pytest.mark.xdist_group("mnist_baselines_sample")


@pytest.fixture(scope="module")
def solution(tmp_path_factory, grading_client):
    return grade_fixtures(tmp_path_factory, grading_client, "mnist_baselines",
                          patches={"solution": {}})


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_client, mnist_sample):
    return grade_fixtures(tmp_path_factory, grading_client, "mnist_baselines",
                          patches={"blank": None, **PATCHES}, sample=mnist_sample)


@on_all_of_mnist
def test_solution_gets_full_marks_with_each_model_above_its_threshold(solution):
    _, reports = solution
    report = reports["solution"]
    assert failures(report) == {} and report.score == FULL
    accuracy = {r.function: c.details["test_accuracy"] for r in report.results
                for c in r.checks if c.details and "test_accuracy" in c.details}
    assert accuracy.keys() == {"train_logistic_regression", "train_mlp", "train_cnn"}
    for function, model in (("train_logistic_regression", "logistic"), ("train_mlp", "mlp"),
                            ("train_cnn", "cnn")):
        assert accuracy[function] >= CONFIG.thresholds[f"{model}_min_accuracy"]
    assert accuracy["train_logistic_regression"] < accuracy["train_mlp"] < accuracy["train_cnn"]


@on_the_sample
def test_blank_release_gets_zero_with_one_clear_message_per_function(graded):
    assert_blank_gets_zero(graded[1]["blank"], POINTS)


@on_the_sample
@pytest.mark.parametrize("student", sorted(WRONG))
def test_wrong_submission_loses_exactly_the_broken_functions_points(graded, student):
    assert_loses_exactly(graded[1][student], POINTS, *WRONG[student])


@on_all_of_mnist
def test_written_answers_are_graded_by_hand_and_add_to_the_total(solution):
    course, reports = solution
    assert_hand_grades_add_to_total(course, reports["solution"], "mnist_baselines")
