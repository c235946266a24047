"""Checks on data augmentation with Keras preprocessing layers, from a model's plain config.

``layers`` is the list of ``(class name, config)`` pairs of a model's layers in order, as
:func:`layer_list` reads them from a model payload (no Keras object is needed).
"""

from __future__ import annotations

import numpy as np

from autograder.checks.results import CheckFailure

Layers = list[tuple[str, dict]]
FLIP_HINT = "A mirrored 2, 3 or 7 is not a digit any more: leave flips out."


def layer_list(payload: dict) -> Layers:
    """(class name, config) of a model payload's layers, without the input layer."""
    config = payload.get("config") if isinstance(payload.get("config"), dict) else {}
    return [(layer.get("class_name", ""), layer.get("config") or {})
            for layer in config.get("layers", []) if isinstance(layer, dict)
            and layer.get("class_name") != "InputLayer"]


def check_no_flips(subject: str, layers: Layers) -> None:
    flips = [number for number, (kind, _) in enumerate(layers, start=1) if kind == "RandomFlip"]
    if flips:
        raise CheckFailure(subject, "no RandomFlip layer", f"RandomFlip as layer {flips[0]}",
                           FLIP_HINT)


def check_kinds(subject: str, layers: Layers, wanted: tuple[str, ...]) -> None:
    """Exactly the augmentation layers ``wanted``, each once, in any order."""
    found = [kind for kind, _ in layers]
    missing = [kind for kind in wanted if kind not in found]
    extra = [kind for kind in found if kind not in wanted]
    if missing or extra or len(found) != len(wanted):
        hint = " ".join(part for part in (
            f"Missing: {', '.join(missing)}." if missing else "",
            f"Not wanted here: {', '.join(extra)}." if extra else "") if part)
        raise CheckFailure(subject, f"the layers {', '.join(wanted)}",
                           ", ".join(found) or "no layers", hint)


def largest(value: object) -> float:
    """The largest amount a factor allows: a number or a (lower, upper) pair."""
    values = value if isinstance(value, (list, tuple)) else [value]
    numbers = [abs(float(v)) for v in values if isinstance(v, (int, float))]
    return max(numbers, default=0.0)


def check_factors(subject: str, layers: Layers, limits: dict[str, dict[str, float]]) -> None:
    """No factor of a layer exceeds its limit; ``limits`` maps class name -> {field: limit}."""
    for kind, config in layers:
        for name, limit in limits.get(kind, {}).items():
            if config.get(name) is not None and largest(config[name]) > limit:
                raise CheckFailure(f"{subject}: {kind}", f"{name} of at most {limit:g}",
                                   f"{config[name]}", "Digits changed that much become hard to "
                                   "read, even for a person.")


def check_inactive_at_inference(subject: str, images: np.ndarray, out: np.ndarray) -> None:
    """The layers, called with ``training=False`` on ``images``, returned ``out`` unchanged."""
    if out.shape != images.shape or not np.allclose(out, images):
        raise CheckFailure(subject, "layers that leave images unchanged at inference",
                           "changed images with training=False")


def check_before_first(subject: str, layers: Layers, kinds: tuple[str, ...],
                       anchor: str = "Conv2D") -> None:
    """At least one layer of ``kinds`` comes before the first ``anchor`` layer."""
    found = [kind for kind, _ in layers]
    first = found.index(anchor) if anchor in found else len(found)
    if not any(kind in kinds for kind in found[:first]):
        raise CheckFailure(subject, f"augmentation layers before the first {anchor}",
                           f"the layers {', '.join(found[:first + 1]) or 'none'} first")
