"""The graded functions of improve_mnist, called directly (testbook style, no kernel).

Nothing here trains on all 60,000 images: training checks are judged from hand-made probes of
untrained models, and later functions get a fresh seeded model.
"""

import numpy as np
import pytest

import course_config
from autograder import assignments, verdicts
from autograder import probe as kernel
from autograder.assignments import improve_mnist
from autograder.probe import Probe
from autograder.workbench import Workbench, build_model
from tests.conftest import solution_namespace

POINTS = course_config.ASSIGNMENTS["improve_mnist"].points


@pytest.fixture(scope="module")
def bench():
    return Workbench()


def judge(function, ns, bench):
    found = improve_mnist.probe(function, ns, bench, {})
    return verdicts.judge(improve_mnist, found, bench, POINTS[function])


def messages(function, source, bench):
    return judge(function, solution_namespace("improve_mnist", {function: source}), bench).messages


def test_the_assignment_is_registered():
    assert assignments.get("improve_mnist") is improve_mnist
    assert tuple(POINTS) == improve_mnist.FUNCTIONS
    assert {"first_model", "improved_model", "augmented_model"} <= set(
        improve_mnist.NOTEBOOK_VARIABLES)


@pytest.mark.parametrize("function", ["class_counts", "prepare_data", "build_first_model",
                                      "build_improved_model", "model_confusion_matrix",
                                      "augmentation_layers", "save_and_reload"])
def test_solution_functions_pass_every_check(bench, function):
    result = judge(function, solution_namespace("improve_mnist"), bench)
    assert result.messages == [] and result.score == POINTS[function]


def test_a_second_convolution_in_the_first_model_is_named(bench):
    source = ("def build_first_model():\n    return keras.Sequential([keras.Input((28, 28, 1)), "
              "layers.Conv2D(8, 3), layers.Conv2D(8, 3), layers.Flatten(), "
              "layers.Dense(10, activation='softmax')])")
    assert messages("build_first_model", source, bench) == [
        "build_first_model: expected exactly 1 Conv2D layer, found 2 (layers 1, 2)."]


def test_a_model_without_a_softmax_output_is_named(bench):
    source = ("def build_improved_model():\n    return keras.Sequential([keras.Input((28, 28, 1)),"
              " layers.Conv2D(8, 3), layers.Flatten(), layers.Dense(10)])")
    assert messages("build_improved_model", source, bench) == [
        "build_improved_model: expected a last layer Dense 10 with activation 'softmax', found "
        "Dense 10 with activation 'linear'."]


def test_unscaled_images_are_named(bench):
    source = ("def prepare_data(images, labels):\n    return images.reshape(-1, 28, 28, 1)"
              ".astype('float32'), keras.utils.to_categorical(labels, 10)")
    assert messages("prepare_data", source, bench) == [
        "prepare_data: x: expected values in [0, 1], found values from 0 to 255. They look "
        "unscaled."]


def test_a_transposed_confusion_matrix_gets_a_hint(bench):
    source = ("def model_confusion_matrix(model, images, labels):\n"
              "    return confusion_matrix(model.predict(images, verbose=0).argmax(1), labels, "
              "labels=range(10))")
    [message] = messages("model_confusion_matrix", source, bench)
    assert message.startswith("model_confusion_matrix: entry [")
    assert message.endswith("It looks transposed: rows are the true digits, columns the "
                            "predicted ones.")


@pytest.mark.parametrize(("layers", "expected"), [
    ("layers.RandomFlip('horizontal'), layers.RandomRotation(0.05), "
     "layers.RandomTranslation(0.1, 0.1), layers.RandomZoom(0.1)",
     "augmentation_layers: expected no RandomFlip layer, found RandomFlip as layer 1. A "
     "mirrored 2, 3 or 7 is not a digit any more: leave flips out."),
    ("layers.RandomRotation(0.5), layers.RandomTranslation(0.1, 0.1), layers.RandomZoom(0.1)",
     "augmentation_layers: RandomRotation: expected factor of at most 0.1, found [-0.5, 0.5]. "
     "Digits changed that much become hard to read, even for a person."),
    ("layers.RandomRotation(0.05), layers.RandomZoom(0.1)",
     "augmentation_layers: expected the layers RandomRotation, RandomTranslation, RandomZoom, "
     "found RandomRotation, RandomZoom. Missing: RandomTranslation."),
])
def test_wrong_augmentation_layers_are_named(bench, layers, expected):
    source = f"def augmentation_layers():\n    return keras.Sequential([{layers}])"
    assert messages("augmentation_layers", source, bench) == [expected]


def test_a_model_saved_elsewhere_is_named(bench, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the student's function writes its file
    source = ("def save_and_reload(model, path):\n    model.save('elsewhere.keras')\n"
              "    return keras.models.load_model('elsewhere.keras')")
    assert messages("save_and_reload", source, bench) == [
        "save_and_reload: expected a model saved to the given .keras path (a zip archive), "
        "found no file at that path. Call model.save(path) with the path you were given."]


def _history_probe(steps: int) -> Probe:
    model = build_model(improve_mnist.FIRST)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    payload, weights = kernel.model_payload(model, weights=True)
    history = {"loss": [0.5] * 5, "accuracy": [0.9] * 5}
    return Probe("train_first_model", {"type": "History", "history": history, "model": payload,
                                       "fit_params": {"steps": steps}}, weights)


def test_the_first_models_batch_size_is_read_from_its_steps_per_epoch(bench):
    result = verdicts.judge(improve_mnist, _history_probe(235), bench, 1)
    assert ("train_first_model: expected a batch size of 128 (469 steps per epoch on 60,000 "
            "images), found 235 steps per epoch (a batch size of about 256).") in result.messages
    passing = verdicts.judge(improve_mnist, _history_probe(469), bench, 1)
    assert not any("batch size" in m for m in passing.messages)


def test_an_improved_model_trained_on_in_place_is_not_taken_as_it_was():
    ns = solution_namespace("improve_mnist")
    keras = ns["keras"]
    ns["improved_model"] = model = ns["build_improved_model"]()
    ns["augmented_model"] = keras.Sequential([keras.Input((28, 28, 1)), *model.layers])
    assert not improve_mnist.IMPROVED_TRAINING.untouched(ns)
    copy = keras.models.clone_model(model)
    ns["augmented_model"] = keras.Sequential([keras.Input((28, 28, 1)), *copy.layers])
    assert improve_mnist.IMPROVED_TRAINING.untouched(ns)
    assert np.array_equal(copy.get_weights()[0].shape, model.get_weights()[0].shape)


def test_fractions_instead_of_counts_get_a_hint(bench):
    source = ("def class_counts(labels):\n"
              "    return np.bincount(labels, minlength=10) / len(labels)")
    assert messages("class_counts", source, bench) == [
        "class_counts: the training labels: expected digit 0 counted 5923 times, found "
        "0.0987167. These are the fractions of all labels: return the counts themselves."]
