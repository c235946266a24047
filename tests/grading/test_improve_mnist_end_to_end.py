"""improve_mnist: whole notebooks graded through the real pipeline on real MNIST (slow).

Each submission is the committed release filled in with the source's solution, except for the
cells a patch replaces (tests/conftest.py, write_submission). The solution is graded on all of
MNIST, the others on the sample, each run once into a throwaway course and in its own xdist
group: the two workers share the load.
"""

import re

import pytest

import course_config
from autograder.assignments.improve_mnist import error_limit
from tests.conftest import (
    assert_blank_gets_zero,
    assert_hand_grades_add_to_total,
    assert_loses_exactly,
    failures,
    grade_fixtures,
)

pytestmark = pytest.mark.slow
CONFIG = course_config.ASSIGNMENTS["improve_mnist"]
POINTS = CONFIG.points
FULL = sum(POINTS.values())
PATCHES = {
    "two_conv_layers_in_first_model": {"build_first_model": (
        "def build_first_model():\n    return keras.Sequential([\n"
        "        keras.Input(shape=(28, 28, 1)),\n"
        "        layers.Conv2D(16, (3, 3), activation='relu'),\n"
        "        layers.Conv2D(16, (3, 3), activation='relu'),\n"
        "        layers.MaxPooling2D((2, 2)), layers.Flatten(),\n"
        "        layers.Dense(10, activation='softmax')])")},
    "flip_augmentation": {"augmentation_layers": (
        "def augmentation_layers():\n    return keras.Sequential([\n"
        "        layers.RandomFlip('horizontal'), layers.RandomRotation(0.05),\n"
        "        layers.RandomTranslation(0.1, 0.1), layers.RandomZoom(0.1)])")},
    "transposed_confusion_matrix": {"model_confusion_matrix": (
        "def model_confusion_matrix(model, images, labels):\n"
        "    predicted = model.predict(images, verbose=0).argmax(axis=1)\n"
        "    return confusion_matrix(predicted, labels, labels=range(10))")},
    "class_fractions_not_counts": {"class_counts": (
        "def class_counts(labels):\n"
        "    return np.bincount(labels, minlength=10) / len(labels)")},
    "first_model_batch_size_256": {"train_first_model": (
        "def train_first_model(model, x_train, y_train):\n"
        "    model.compile(optimizer='adam', loss='categorical_crossentropy', "
        "metrics=['accuracy'])\n"
        "    return model.fit(x_train, y_train, epochs=5, batch_size=256, verbose=2)")},
    "improved_model_one_epoch": {"train_improved_model": (
        "def train_improved_model(model, x_train, y_train):\n"
        "    model.compile(optimizer='adam', loss='categorical_crossentropy', "
        "metrics=['accuracy'])\n"
        "    return model.fit(x_train, y_train, epochs=1, batch_size=64, verbose=2)")},
    "augmentation_after_first_conv": {"train_with_augmentation": (
        "def train_with_augmentation(model, augmentation, x_train, y_train):\n"
        "    copy = keras.models.clone_model(model)\n"
        "    copy.set_weights(model.get_weights())\n"
        "    augmented_model = keras.Sequential([keras.Input(shape=(28, 28, 1)), "
        "copy.layers[0],\n"
        "                                        *augmentation.layers, *copy.layers[1:]])\n"
        "    augmented_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0001),\n"
        "                            loss='categorical_crossentropy', metrics=['accuracy'])\n"
        "    history = augmented_model.fit(x_train, y_train, epochs=1, batch_size=64, "
        "verbose=2)\n"
        "    return augmented_model, history")},
}
WRONG = {
    "two_conv_layers_in_first_model": (
        "build_first_model",
        "build_first_model: expected exactly 1 Conv2D layer, found 2 (layers 1, 2)."),
    "flip_augmentation": (
        "augmentation_layers",
        "augmentation_layers: expected no RandomFlip layer, found RandomFlip as layer 1. A "
        "mirrored 2, 3 or 7 is not a digit any more: leave flips out."),
    "transposed_confusion_matrix": ("model_confusion_matrix", re.compile(  # a trained model's
        r"model_confusion_matrix: entry \[(\d), (\d)\]: expected \d+ images? of digit \1 "
        r"predicted as \2, found \d+\. It looks transposed: rows are the true digits, columns "
        r"the predicted ones\.")),
    "class_fractions_not_counts": (
        "class_counts",
        "class_counts: the training labels: expected digit 0 counted 592 times, found "
        "0.0986667. These are the fractions of all labels: return the counts themselves."),
    "first_model_batch_size_256": (
        "train_first_model",
        "train_first_model: expected a batch size of 128 (47 steps per epoch on 6,000 images), "
        "found 24 steps per epoch (a batch size of about 250)."),
    "improved_model_one_epoch": ("train_improved_model", re.compile(re.escape(
        "train_improved_model: the trained model: expected fewer than 200 misclassified test "
        "images (of 5,000), found ") + r"\d+" + re.escape(  # its count depends on the CPU
        ". The grader measured it on 5,000 test images that the notebook never had."))),
    "augmentation_after_first_conv": (
        "train_with_augmentation",
        "train_with_augmentation: expected augmentation layers before the first Conv2D, found "
        "the layers Conv2D first."),
}
on_all_of_mnist = pytest.mark.xdist_group("improve_mnist_full")
on_the_sample = pytest.mark.xdist_group("improve_mnist_sample")


@pytest.fixture(scope="module")
def solution(tmp_path_factory, grading_client):
    return grade_fixtures(tmp_path_factory, grading_client, "improve_mnist",
                          patches={"solution": {}})


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_client, mnist_sample):
    return grade_fixtures(tmp_path_factory, grading_client, "improve_mnist",
                          patches={"blank": None, **PATCHES}, sample=mnist_sample)


def _details(report) -> dict[str, dict]:
    return {r.function: c.details for r in report.results for c in r.checks if c.details}


@on_all_of_mnist
def test_solution_gets_full_marks_with_what_the_grader_measured(solution):
    _, reports = solution
    report = reports["solution"]
    assert failures(report) == {} and report.score == FULL
    details = _details(report)
    assert details["train_first_model"]["test_accuracy"] >= CONFIG.thresholds["first_min_accuracy"]
    improved = details["train_improved_model"]
    assert improved["test_images"] == 5000  # held out: no kernel had them
    assert improved["misclassified"] < error_limit(5000) == CONFIG.thresholds["max_errors"] / 2
    augmented = details["train_with_augmentation"]["test_accuracy"]
    assert augmented >= CONFIG.thresholds["augmented_min_accuracy"]


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
    assert_hand_grades_add_to_total(course, reports["solution"], "improve_mnist")
