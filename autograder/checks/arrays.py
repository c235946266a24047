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


def check_returned_array(function: str, array: np.ndarray | None, type_name: str) -> np.ndarray:
    """What a function returned, known to be an array; ``type_name`` names it otherwise."""
    if array is None:
        raise CheckFailure(function, "a NumPy array", f"a value of type {type_name}")
    return array


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


def check_dtype(what: str, array: np.ndarray, dtype: str) -> None:
    if array.dtype != np.dtype(dtype):
        raise CheckFailure(what, f"dtype {dtype}", f"dtype {array.dtype}",
                           f"Convert with .astype('{dtype}').")


def check_one_hot(what: str, array: np.ndarray, labels: np.ndarray, classes: int) -> None:
    """One row per label, ``classes`` columns, a single 1 in the column of each label."""
    if array.ndim != 2 or array.shape[1] != classes:
        raise CheckFailure(what, f"one-hot rows of {classes} columns, one per class",
                           f"shape {tuple(array.shape)}",
                           f"Use {classes} classes: the digits 0 to {classes - 1}.")
    check_shape(what, array, (len(labels), classes))
    if not np.isin(array, (0, 1)).all() or not np.array_equal(array.sum(axis=1),
                                                              np.ones(len(labels))):
        raise CheckFailure(what, "rows of zeros with a single 1", "other values")
    wrong = np.flatnonzero(array.argmax(axis=1) != labels)
    if wrong.size:
        row = int(wrong[0])
        raise CheckFailure(what, f"row {row} to mark class {int(labels[row])}",
                           f"class {int(array[row].argmax())} marked")


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
