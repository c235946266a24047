"""The one MNIST loader used by every notebook, the grader and the tests."""

from __future__ import annotations

import os
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

import course_config

Split = tuple[np.ndarray, np.ndarray]
_SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28),
           "y_test": (10000,)}


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
            arrays = {key: data[key] for key in _SHAPES}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"MNIST file at {path} is unreadable or corrupt ({error}): {fix}.") \
            from None
    for key, shape in _SHAPES.items():
        if arrays[key].shape != shape:
            raise DataError(f"MNIST file at {path} has {key} of shape {arrays[key].shape}, "
                            f"expected {shape}: {fix}.")
    for array in arrays.values():
        array.setflags(write=False)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_mnist(path: str | os.PathLike | None = None) -> tuple[Split, Split]:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, like Keras does.

    The file is read once per process; every call gets its own writable copies.
    """
    chosen = Path(path).expanduser().resolve() if path is not None else configured_path()
    if chosen is None:
        import keras

        return keras.datasets.mnist.load_data()
    (x_train, y_train), (x_test, y_test) = _read(chosen)
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())
