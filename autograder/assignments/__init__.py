"""The graded assignments: for each, how the kernel probes a function and how it is verified."""

from __future__ import annotations

from types import ModuleType

from autograder.assignments import (
    cnn_mnist,
    digit_sum,
    improve_mnist,
    keras_digits,
    mnist_baselines,
)

_MODULES: dict[str, ModuleType] = {
    "cnn_mnist": cnn_mnist, "keras_digits": keras_digits, "mnist_baselines": mnist_baselines,
    "improve_mnist": improve_mnist, "digit_sum": digit_sum}


def get(name: str) -> ModuleType:
    """The module of an assignment; it defines FUNCTIONS, probe() and verify()."""
    try:
        return _MODULES[name]
    except KeyError:
        known = ", ".join(sorted(_MODULES))
        raise KeyError(f"unknown assignment {name!r}; known: {known}") from None
