"""Checks on arrays a graded function returned (scaled images, labels)."""

from __future__ import annotations

import numpy as np

from autograder.checks.results import CheckFailure


def describe(value: object) -> str:
    """A short, student-readable description of any returned value."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a value of type {type(value).__name__}"


def check_returns_tuple(function: str, value: object, length: int, names: str) -> None:
    """The function returned a tuple or list of ``length`` items."""
    if not isinstance(value, (tuple, list)) or len(value) != length:
        raise CheckFailure(function, f"{length} return values ({names})", describe(value))


def check_is_array(what: str, value: object) -> None:
    if not isinstance(value, np.ndarray):
        raise CheckFailure(what, "a NumPy array", describe(value))


def check_shape(what: str, array: np.ndarray, shape: tuple[int, ...]) -> None:
    if tuple(array.shape) != tuple(shape):
        raise CheckFailure(what, f"shape {tuple(shape)}", f"shape {tuple(array.shape)}")


def check_float_dtype(what: str, array: np.ndarray) -> None:
    if not np.issubdtype(array.dtype, np.floating):
        raise CheckFailure(what, "floating-point values", f"dtype {array.dtype}",
                           "Dividing by a float (for example 255.) gives floats.")


def check_unit_range(what: str, array: np.ndarray) -> None:
    """All values lie in [0, 1]; values above 1 are named as unscaled."""
    low, high = float(np.min(array)), float(np.max(array))
    if low < 0 or high > 1:
        hint = "They look unscaled." if high > 1 else ""
        raise CheckFailure(what, "values in [0, 1]", f"values from {low:g} to {high:g}", hint)


def check_scaled_copy(what: str, array: np.ndarray, original: np.ndarray, scale: float) -> None:
    """``array`` equals ``original / scale`` pixel by pixel."""
    expected = original.astype(np.float64) / scale
    if not np.allclose(array, expected, rtol=1e-5, atol=1e-6):
        index = np.unravel_index(np.argmax(np.abs(array - expected)), array.shape)
        raise CheckFailure(what, f"each pixel divided by {scale:g}",
                           f"pixel {tuple(int(i) for i in index)} is {float(array[index]):g} "
                           f"where {int(original[index])}/{scale:g} = {expected[index]:g}")


def check_unchanged(what: str, after: np.ndarray, before: np.ndarray) -> None:
    """An input array was not modified in place."""
    if after.shape != before.shape or not np.array_equal(after, before):
        raise CheckFailure(what, "the input images left unchanged",
                           "that they were modified in place",
                           "Return new arrays instead of changing the ones passed in.")
