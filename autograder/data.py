"""The one MNIST loader used by every notebook, the grader and the tests."""

from __future__ import annotations

import os
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

import course_config

Split = tuple[np.ndarray, np.ndarray]
_SPLITS = (("x_train", "y_train"), ("x_test", "y_test"))


class DataError(RuntimeError):
    """MNIST could not be read: the message names the path and the fix."""


def configured_path() -> Path | None:
    """The MNIST file to read, or None to let Keras download it.

    The environment variable named in course_config wins (empty means download); otherwise the
    course default is used when it exists.
    """
    value = os.environ.get(course_config.MNIST_PATH_ENV)
    if value is not None:
        return Path(value).expanduser().resolve() if value else None
    default = course_config.DEFAULT_MNIST_PATH
    return default if default.exists() else None


@lru_cache(maxsize=2)
def _read(path: Path) -> tuple[Split, Split]:
    fix = (f"point {course_config.MNIST_PATH_ENV} at a copy of mnist.npz in the "
           "keras.datasets.mnist layout, or set it to an empty value to let Keras download MNIST")
    if not path.is_file():
        raise DataError(f"MNIST file not found at {path}: {fix}.")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for split in _SPLITS for key in split}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"MNIST file at {path} is unreadable or corrupt ({error}): {fix}.") \
            from None
    for images, labels in _SPLITS:
        problem = _layout_problem(images, arrays[images].shape, labels, arrays[labels].shape)
        if problem:
            raise DataError(f"MNIST file at {path} {problem}: {fix}.")
    for array in arrays.values():
        array.setflags(write=False)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _layout_problem(images: str, image_shape: tuple, labels: str, label_shape: tuple) -> str:
    """What is wrong with one split's shapes, or "" when it is N 28x28 images with N labels."""
    if len(image_shape) != 3 or image_shape[1:] != (28, 28) or not image_shape[0]:
        return f"has {images} of shape {image_shape}, expected (N, 28, 28) with N > 0"
    if label_shape != image_shape[:1]:
        return f"has {labels} of shape {label_shape} for {image_shape[0]} images in {images}"
    return ""


def load_mnist(path: str | os.PathLike | None = None) -> tuple[Split, Split]:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, like Keras does.

    The file is all of MNIST (60,000 and 10,000 images) or a sample of it in the same layout.
    It is read once per process; every call gets its own writable copies.
    """
    chosen = Path(path).expanduser().resolve() if path is not None else configured_path()
    if chosen is None:
        import keras

        return keras.datasets.mnist.load_data()
    (x_train, y_train), (x_test, y_test) = _read(chosen)
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


def split_held_out(images: np.ndarray, labels: np.ndarray) -> tuple[Split, Split]:
    """The test split as (what kernels get, what only the grader has), both in their order.

    The held-out part is a fixed random ``HELD_OUT_TEST_FRACTION`` of the test images, drawn with
    the course's seed, so every grading run holds out the same images.
    """
    count = len(labels)
    drawn = np.random.default_rng(course_config.SEED).permutation(count)
    held = np.zeros(count, dtype=bool)
    held[drawn[:round(count * course_config.HELD_OUT_TEST_FRACTION)]] = True
    return (images[~held], labels[~held]), (images[held], labels[held])


def write_for_kernels(train: Split, test: Split, path: Path) -> Path:
    """Write MNIST as kernels see it while grading (training images, the test images given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1])
    path.chmod(0o644)
    return path
