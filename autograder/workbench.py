"""The data and reference objects that checks run on, the same in the kernel and the grader."""

from __future__ import annotations

from functools import cached_property

import numpy as np

import course_config
from autograder.checks.models import ModelSpec
from autograder.data import load_mnist

SAMPLE_TRAIN, SAMPLE_TEST = 256, 128  # images handed to functions whose output is compared


class Workbench:
    """MNIST read once, the prepared inputs for graded functions, and reference models."""

    def __init__(self) -> None:
        (self.raw_train, self.y_train), (self.raw_test, self.y_test) = load_mnist()

    @cached_property
    def sample_train(self) -> np.ndarray:
        return self.raw_train[:SAMPLE_TRAIN].copy()

    @cached_property
    def sample_test(self) -> np.ndarray:
        return self.raw_test[:SAMPLE_TEST].copy()

    @cached_property
    def x_train(self) -> np.ndarray:
        """Correctly scaled training images with a channel axis, float32."""
        return (self.raw_train[..., np.newaxis] / np.float32(255.0)).astype(np.float32)

    @cached_property
    def x_test(self) -> np.ndarray:
        return (self.raw_test[..., np.newaxis] / np.float32(255.0)).astype(np.float32)

    @cached_property
    def flat_train(self) -> np.ndarray:
        """Scaled training images as rows of 784 pixels, float32."""
        return self.x_train.reshape(len(self.x_train), -1)

    @cached_property
    def flat_test(self) -> np.ndarray:
        return self.x_test.reshape(len(self.x_test), -1)

    @cached_property
    def one_hot_train(self) -> np.ndarray:
        """Training labels as one-hot rows of 10 classes, float32."""
        return np.eye(10, dtype=np.float32)[self.y_train]

    @cached_property
    def one_hot_test(self) -> np.ndarray:
        return np.eye(10, dtype=np.float32)[self.y_test]


def build_model(spec: ModelSpec):
    """A fresh model exactly as the spec states it: the stand-in for a broken ``get_model``."""
    import keras

    layers = [getattr(keras.layers, layer.kind)(**layer.fields) for layer in spec.layers]
    return keras.Sequential([keras.Input(shape=spec.input_shape), *layers])


def compile_reference(model) -> None:
    """The reference compile settings: the stand-in for a broken ``compile_model``."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def measure(model, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Test loss and accuracy of a model, measured by us with the reference loss."""
    compile_reference(model)
    loss, accuracy = model.evaluate(x, y, batch_size=256, verbose=0)
    return float(loss), float(accuracy)


def seed_everything() -> None:
    import keras

    keras.utils.set_random_seed(course_config.SEED)
