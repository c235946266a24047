"""The graded assignments: for each, how the kernel probes a function and how it is verified."""

from __future__ import annotations

from pathlib import Path
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


def code_files(name: str) -> list[Path]:
    """The kit's Python files that can decide ``name``'s grades: all but the other assignments'
    own modules (``<other>.py`` and ``<other>_*.py`` in this folder), so that editing one
    assignment leaves the others' versions, and grades, as they are."""
    here = Path(__file__).resolve().parent
    others = set(_MODULES) - {name}
    return [path for path in sorted(here.parent.rglob("*.py"))
            if path.parent != here or not any(path.stem == other or path.stem.startswith(
                f"{other}_") for other in others)]
