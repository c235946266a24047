"""The data and reference objects that checks run on, the same in the kernel and the grader."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from functools import cached_property
from pathlib import Path

import numpy as np

import course_config
from autograder.checks.models import ModelSpec
from autograder.data import load_mnist, split_held_out, write_for_kernels
from autograder.grading import leftovers

SAMPLE_TRAIN, SAMPLE_TEST = 256, 128  # images handed to functions whose output is compared


class Workbench:
    """MNIST read once, the prepared inputs for graded functions, and reference models.

    The grader's workbench (``hold_out=True``) keeps part of the test images from kernels:
    ``raw_test``/``y_test`` are the test images kernels get, the same as in the kernel's own
    workbench, and ``raw_held``/``y_held`` the ones that only the grader has, on which every
    accuracy that earns points is measured. Elsewhere (a student's own run) the two are the same.
    """

    def __init__(self, hold_out: bool = False, seed: int = course_config.SEED) -> None:
        (self.raw_train, self.y_train), test = load_mnist()
        self.holds_out, self.seed = hold_out, seed  # seed: what training probes seed with
        (self.raw_test, self.y_test), (self.raw_held, self.y_held) = \
            split_held_out(*test) if hold_out else (test, test)
        self._kernel_file: Path | None = None

    @property
    def held_out_count(self) -> int:
        """How many test images only the grader has (0 when nothing is held out)."""
        return len(self.y_held) if self.holds_out else 0

    def kernel_data(self) -> Path | None:
        """The MNIST file for kernels while grading: all but the held-out test images.

        Written once per workbench, removed with it; None when nothing is held out (kernels then
        read the course's MNIST file).
        """
        if not self.holds_out:
            return None
        if self._kernel_file is None:
            folder = tempfile.mkdtemp(prefix=leftovers.prefix("data"))
            weakref.finalize(self, shutil.rmtree, folder, True)
            self._kernel_file = write_for_kernels((self.raw_train, self.y_train),
                                                  (self.raw_test, self.y_test),
                                                  Path(folder) / "mnist.npz")
        return self._kernel_file

    @cached_property
    def sample_train(self) -> np.ndarray:
        return self.raw_train[:SAMPLE_TRAIN].copy()

    @cached_property
    def sample_test(self) -> np.ndarray:
        return self.raw_test[:SAMPLE_TEST].copy()

    @cached_property
    def x_train(self) -> np.ndarray:
        """Correctly scaled training images with a channel axis, float32."""
        return _scaled(self.raw_train)

    @cached_property
    def x_test(self) -> np.ndarray:
        return _scaled(self.raw_test)

    @cached_property
    def x_held(self) -> np.ndarray:
        """The held-out test images, scaled, with a channel axis."""
        return _scaled(self.raw_held)

    @cached_property
    def flat_train(self) -> np.ndarray:
        """Scaled training images as rows of 784 pixels, float32."""
        return self.x_train.reshape(len(self.x_train), -1)

    @cached_property
    def flat_test(self) -> np.ndarray:
        return self.x_test.reshape(len(self.x_test), -1)

    @cached_property
    def flat_held(self) -> np.ndarray:
        return self.x_held.reshape(len(self.x_held), -1)

    @cached_property
    def one_hot_train(self) -> np.ndarray:
        """Training labels as one-hot rows of 10 classes, float32."""
        return np.eye(10, dtype=np.float32)[self.y_train]

    @cached_property
    def one_hot_test(self) -> np.ndarray:
        return np.eye(10, dtype=np.float32)[self.y_test]


def _scaled(images: np.ndarray) -> np.ndarray:
    """Images scaled to [0, 1] with a channel axis, float32."""
    return (images[..., np.newaxis] / np.float32(255.0)).astype(np.float32)


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


def seed_everything(seed: int = course_config.SEED) -> None:
    import keras

    keras.utils.set_random_seed(seed)
