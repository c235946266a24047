"""Checks on training (the History a function returned) and on evaluation results."""

from __future__ import annotations

import math
from typing import Any

from autograder.checks.results import CheckFailure
from autograder.checks.thresholds import Measure


def check_returns_history(function: str, type_name: str, history: dict | None) -> None:
    if type_name != "History" or not isinstance(history, dict):
        raise CheckFailure(function, "the History object that model.fit returns",
                           f"a value of type {type_name}", "Return the result of model.fit(...).")


def check_epochs(function: str, history: dict[str, list], epochs: int) -> None:
    found = len(history.get("loss", []))
    if found != epochs:
        raise CheckFailure(function, f"{epochs} epochs of training",
                           f"{found} (the history has {found} entries)")


def check_epochs_at_most(function: str, history: dict[str, list], most: int) -> None:
    """From 1 to ``most`` epochs, where the student chooses how long to train."""
    found = len(history.get("loss", []))
    if not 1 <= found <= most:
        raise CheckFailure(function, f"from 1 to {most} epochs of training",
                           f"{found} (the history has {found} entries)",
                           "Grading trains the model again, and allows at most that many."
                           if found > most else "")


def check_batch_size(function: str, params: dict | None, batch_size: int, samples: int) -> None:
    """The steps per epoch recorded by ``fit`` are those of ``batch_size`` on ``samples``."""
    expected = math.ceil(samples / batch_size)
    steps = (params or {}).get("steps")
    if steps != expected:
        size = f" (a batch size of about {math.ceil(samples / steps)})" \
            if isinstance(steps, int) and steps > 0 else ""
        raise CheckFailure(function, f"a batch size of {batch_size} ({expected} steps per epoch "
                           f"on {samples:,} images)", f"{steps} steps per epoch{size}")


def check_history_metrics(function: str, history: dict[str, list]) -> None:
    keys = set(history)
    if "loss" not in keys or not keys & {"accuracy", "acc", "sparse_categorical_accuracy"}:
        raise CheckFailure(function, "a history with the loss and the accuracy of every epoch",
                           f"the keys {sorted(keys)}")


def held_out_hint(count: int) -> str:
    """Where the grader measured an accuracy, when it held test images out of the kernel."""
    return (f"The grader measured it on {count:,} test images that the notebook never had."
            if count else "")


def check_min_accuracy(function: str, accuracy: float, threshold: float, images: int,
                       held_out: int = 0) -> dict:
    """Accuracy of at least ``threshold`` on ``images`` test images, ``held_out`` of them kept
    from the notebook; returns the Measure as details."""
    measure = Measure(function, "test accuracy", accuracy, threshold, images).details()
    if not accuracy >= threshold:
        raise CheckFailure(f"{function}: the trained model", f"test accuracy of at least "
                           f"{threshold:g}", f"{accuracy:.4f}", held_out_hint(held_out), measure)
    return measure


def check_loss_accuracy(function: str, returned: Any, measured: tuple[float, float]) -> None:
    """``returned`` is ``(test_loss, test_accuracy)`` as measured by the grader."""
    loss, accuracy = measured
    expected = f"(test_loss, test_accuracy) = ({loss:.4f}, {accuracy:.4f})"
    if not isinstance(returned, (list, tuple)) or len(returned) != 2:
        raise CheckFailure(function, expected, f"{returned!r}")
    try:
        a, b = float(returned[0]), float(returned[1])
    except (TypeError, ValueError):
        raise CheckFailure(function, expected, f"{returned!r}") from None
    if _close(a, loss) and _close(b, accuracy):
        return
    hint = "The two values look swapped." if _close(a, accuracy) and _close(b, loss) else ""
    raise CheckFailure(function, expected, f"({a:.4f}, {b:.4f})", hint)


def _close(value: float, target: float) -> bool:
    return math.isclose(value, target, rel_tol=2e-3, abs_tol=2e-4)


def check_fraction(function: str, returned: Any, expected: float, what: str) -> None:
    """``returned`` is the fraction ``expected`` (e.g. an accuracy between 0 and 1)."""
    if isinstance(returned, bool) or not isinstance(returned, (int, float)):
        raise CheckFailure(function, f"the {what} as a number, {expected:.4f}", f"{returned!r}")
    if math.isclose(returned, expected, abs_tol=1e-6):
        return
    hint = "Return a fraction between 0 and 1, not a percentage." \
        if math.isclose(returned, 100 * expected, abs_tol=1e-4) else ""
    raise CheckFailure(function, f"the {what} {expected:.4f}", f"{returned:.4f}", hint)
