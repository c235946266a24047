"""Declarative model specs and the checks that compare a model against them field by field."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autograder.checks.results import CheckFailure

# The config fields that describe a layer's shape and behaviour, in the order messages name them.
SHAPE_FIELDS = ("filters", "kernel_size", "strides", "padding", "pool_size", "units", "rate",
                "activation", "target_shape")


def normalize(value: Any) -> Any:
    """Config values as plain, comparable Python: lists become tuples, activations names."""
    if isinstance(value, list):
        return tuple(normalize(item) for item in value)
    if isinstance(value, dict) and "class_name" in value:  # a serialized activation object
        config = value.get("config")
        return config if isinstance(config, str) else value["class_name"]
    return value


@dataclass(frozen=True)
class LayerSpec:
    """An expected layer: its Keras class and the config fields that matter."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, kind: str, **fields: Any) -> LayerSpec:
        return cls(kind, {key: normalize(value) for key, value in fields.items()})

    @property
    def label(self) -> str:
        return layer_label(self.kind, self.fields)


@dataclass(frozen=True)
class ModelSpec:
    """An expected model: class, input shape, layers in order and parameter count."""

    kind: str
    input_shape: tuple[int, ...]
    layers: tuple[LayerSpec, ...]
    params: int


@dataclass(frozen=True)
class LayerFacts:
    kind: str
    config: dict[str, Any]

    @property
    def label(self) -> str:
        return layer_label(self.kind, self.config)


@dataclass(frozen=True)
class ModelFacts:
    """What a (rebuilt) model is, as plain data."""

    kind: str
    input_shape: tuple[int, ...] | None
    layers: tuple[LayerFacts, ...]
    params: int


def layer_label(kind: str, config: dict[str, Any]) -> str:
    """A short name for a layer in messages, e.g. ``Dense 64`` or ``Conv2D 8 (3, 3)``."""
    detail = [str(config[key]) for key in ("filters", "units", "kernel_size", "pool_size")
              if config.get(key) is not None]
    return " ".join([kind, *detail])


def layer_facts(kind: str, config: dict[str, Any]) -> LayerFacts:
    return LayerFacts(kind, {key: normalize(config[key]) for key in SHAPE_FIELDS if key in config})


def _fmt(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def check_model_kind(function: str, facts: ModelFacts, spec: ModelSpec) -> None:
    if facts.kind != spec.kind:
        raise CheckFailure(function, f"a {spec.kind} model", f"a {facts.kind} model")


def check_input_shape(function: str, facts: ModelFacts, spec: ModelSpec) -> None:
    if facts.input_shape is None:
        raise CheckFailure(function, f"a model that takes inputs of shape {spec.input_shape}",
                           "a model with no input shape",
                           "Pass input_shape to the first layer, or start with "
                           "keras.Input(shape=input_shape).")
    if tuple(facts.input_shape) != tuple(spec.input_shape):
        raise CheckFailure(function, f"input shape {spec.input_shape}",
                           f"input shape {tuple(facts.input_shape)}")


def check_layer_sequence(function: str, facts: ModelFacts, spec: ModelSpec) -> None:
    """Same number of layers of the same classes in the same order; names what is off."""
    expected = [layer.kind for layer in spec.layers]
    found = [layer.kind for layer in facts.layers]
    if expected == found:
        return
    problems = []  # matched on labels, so a missing "Dense 64" is told from a "Dense 10"
    matcher = difflib.SequenceMatcher(a=[layer.label for layer in spec.layers],
                                      b=[layer.label for layer in facts.layers], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        wanted = ", ".join(f"layer {i + 1} ({spec.layers[i].label})" for i in range(i1, i2))
        extra = ", ".join(f"layer {j + 1} ({facts.layers[j].label})" for j in range(j1, j2))
        if tag == "delete":
            problems.append(f"missing {wanted}")
        elif tag == "insert":
            problems.append(f"unexpected {extra}")
        elif tag == "replace":
            problems.append(f"{extra} where {wanted} was expected")
    raise CheckFailure(function, f"{len(expected)} layers ({', '.join(expected)})",
                       f"{len(found)} ({', '.join(found) or 'none'})",
                       "Problem: " + "; ".join(problems) + ".")


def check_layer_fields(function: str, facts: ModelFacts, spec: ModelSpec) -> None:
    """Each layer's settings (units, kernel, padding, activation, ...) match the spec."""
    for number, (want, have) in enumerate(zip(spec.layers, facts.layers, strict=True), start=1):
        for key, value in want.fields.items():
            if have.config.get(key) != value:
                found = have.config.get(key, "nothing")
                hint = "(no activation)" if key == "activation" and found == "linear" else ""
                raise CheckFailure(f"{function}: layer {number} ({want.kind})",
                                   f"{key} {_fmt(value)}", f"{_fmt(found)} {hint}".strip())


def check_param_count(function: str, facts: ModelFacts, spec: ModelSpec) -> None:
    if facts.params != spec.params:
        raise CheckFailure(function, f"{spec.params:,} trainable and non-trainable parameters",
                           f"{facts.params:,}")


def model_checks(function: str, facts: Callable[[], ModelFacts], spec: ModelSpec) -> list:
    """The standard checks of a model against its spec, in the order they run.

    ``facts`` is called lazily, so a model that cannot be rebuilt fails the first check only.
    """
    return [
        ("model class", lambda: check_model_kind(function, facts(), spec), False),
        ("input shape", lambda: check_input_shape(function, facts(), spec), False),
        ("layer sequence", lambda: check_layer_sequence(function, facts(), spec), False),
        ("layer settings", lambda: check_layer_fields(function, facts(), spec), False),
        ("parameter count", lambda: check_param_count(function, facts(), spec), False),
    ]


def check_count_of(function: str, facts: ModelFacts, kind: str, count: int) -> None:
    """Exactly ``count`` layers of class ``kind``, for a model whose architecture is free."""
    numbers = [number for number, layer in enumerate(facts.layers, start=1) if layer.kind == kind]
    if len(numbers) != count:
        where = f" (layer{'s' if len(numbers) > 1 else ''} " \
                f"{', '.join(map(str, numbers))})" if numbers else ""
        raise CheckFailure(function, f"exactly {count} {kind} layer{'s' if count > 1 else ''}",
                           f"{len(numbers)}{where}")


def check_output_layer(function: str, facts: ModelFacts, units: int, activation: str) -> None:
    """The last layer is ``Dense(units, activation=activation)``."""
    last = facts.layers[-1] if facts.layers else None
    found = "no layers" if last is None else (
        f"{last.label} with activation {_fmt(last.config.get('activation', 'none'))}")
    if last is None or last.kind != "Dense" or last.config.get("units") != units \
            or last.config.get("activation") != activation:
        raise CheckFailure(function, f"a last layer Dense {units} with activation "
                           f"{_fmt(activation)}", found)
