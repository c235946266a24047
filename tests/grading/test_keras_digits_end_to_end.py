"""keras_digits: whole notebooks graded through the real pipeline on real MNIST (slow).

The solution is graded on all of MNIST, the other fixtures on the sample (tests/conftest.py), each
run once into a throwaway course and in its own xdist group; the tests read what the runs
recorded: scores, student-facing messages, the gradebook with its manually graded answer.
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
CONFIG = course_config.ASSIGNMENTS["keras_digits"]
POINTS = CONFIG.points
FULL = sum(POINTS.values())
# Each wrong submission is the release filled in with the solution but for one cell, by grade
# id (conftest's write_submission); its expected outcome is the function that loses its points
# and the one message it gets.
DENSE = """def build_dense_model(input_shape):
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Flatten(),
        layers.Dense(512, activation="relu"),
        layers.Dense(256, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])"""
CNN = """def build_cnn_model(input_shape):
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (5, 5), padding="valid", activation="relu"),
        layers.Conv2D(64, (5, 5), padding="valid", activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(1024, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])"""
PATCHES = {
    "dense_256_units": {"build_dense_model": DENSE},
    "adam_optimizer": {"compile_model": (
        "def compile_model(model):\n    model.compile(optimizer='adam', "
        "loss='categorical_crossentropy', metrics=['accuracy'])")},
    "unscaled_images": {"prepare_images": (
        "def prepare_images(images):\n"
        "    return images.reshape(len(images), 28, 28, 1).astype('float32')")},
    "eleven_class_one_hot": {"one_hot_labels": (
        "def one_hot_labels(labels):\n"
        "    return keras.utils.to_categorical(labels, num_classes=11)")},
    "pooling_before_conv": {"build_cnn_model": CNN},
    "predict_classes_removed": {"predicted_classes": (
        "def predicted_classes(model, images):\n    return model.predict_classes(images)")},
    "shared_optimizer": {"compile_model": (
        "OPTIMIZER = keras.optimizers.RMSprop()\n\n\ndef compile_model(model):\n"
        "    model.compile(optimizer=OPTIMIZER, loss='categorical_crossentropy', "
        "metrics=['accuracy'])")},
}
WRONG = {
    "dense_256_units": ("build_dense_model",
                        "build_dense_model: layer 3 (Dense): expected units 512, found 256."),
    "adam_optimizer": ("compile_model", "compile_model: optimizer: expected RMSprop, found Adam."),
    "unscaled_images": ("prepare_images", "prepare_images: expected values in [0, 1], found "
                                          "values from 0 to 255. They look unscaled."),
    "eleven_class_one_hot": ("one_hot_labels",
                             "one_hot_labels: expected one-hot rows of 10 columns, one per "
                             "class, found shape (500, 11). Use 10 classes: the digits 0 to 9."),
    "pooling_before_conv": ("build_cnn_model",
                            "build_cnn_model: expected 7 layers (Conv2D, MaxPooling2D, Conv2D, "
                            "MaxPooling2D, Flatten, Dense, Dense), found 7 (MaxPooling2D, Conv2D, "
                            "Conv2D, MaxPooling2D, Flatten, Dense, Dense). Problem: unexpected "
                            "layer 1 (MaxPooling2D (2, 2)); missing layer 2 (MaxPooling2D "
                            "(2, 2))."),
    "predict_classes_removed": ("predicted_classes",
                                "predicted_classes: Keras 3 models have no predict_classes: "
                                "take np.argmax(model.predict(images), axis=1)."),
    # the notebook trains the dense network, then its CNN training fails in fit; the grader
    # trains both with the reference compile settings, so only compile_model loses its point
    "shared_optimizer": ("compile_model",
                         "compile_model: expected a new optimizer for each model it compiles, "
                         "found one optimizer object given to two models. Keras 3 cannot train "
                         "a second model with it: create the optimizer inside compile_model, "
                         "e.g. optimizer='rmsprop'."),
}


on_all_of_mnist = pytest.mark.xdist_group("keras_digits_full")
on_the_sample = pytest.mark.xdist_group("keras_digits_sample")


@pytest.fixture(scope="module")
def solution(tmp_path_factory, grading_client):
    return grade_fixtures(tmp_path_factory, grading_client, "keras_digits",
                          patches={"solution": {}})


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_client, mnist_sample):
    return grade_fixtures(tmp_path_factory, grading_client, "keras_digits",
                          patches={"blank": None, **PATCHES},
                          sample=mnist_sample)


@on_all_of_mnist
def test_solution_gets_full_marks_with_the_cnn_beating_the_dense_network(solution):
    _, reports = solution
    report = reports["solution"]
    assert failures(report) == {} and report.score == FULL
    details = {c.name: c.details for r in report.results for c in r.checks if c.details}
    dense = details["test accuracy of at least 0.975"]["test_accuracy"]
    cnn = details["beats the dense network"]
    assert dense >= CONFIG.thresholds["dense_min_accuracy"]
    assert cnn["cnn_test_accuracy"] >= CONFIG.thresholds["cnn_min_accuracy"]
    assert cnn["cnn_test_accuracy"] > cnn["dense_test_accuracy"] == pytest.approx(dense)


@on_the_sample
def test_blank_release_gets_zero_with_one_clear_message_per_function(graded):
    assert_blank_gets_zero(graded[1]["blank"], POINTS)


@on_the_sample
@pytest.mark.parametrize("student", sorted(WRONG))
def test_wrong_submission_loses_exactly_the_broken_functions_points(graded, student):
    _, reports = graded
    assert_loses_exactly(reports[student], POINTS, *WRONG[student])


@on_all_of_mnist
def test_written_answer_is_graded_by_hand_and_adds_to_the_total(solution):
    course, reports = solution
    assert_hand_grades_add_to_total(course, reports["solution"], "keras_digits")
