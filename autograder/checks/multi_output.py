"""Checks on functional models with several named inputs and outputs, from plain facts.

``GraphFacts`` are read from a rebuilt model (``rebuild.functional_facts``); compile settings and
histories are the plain data Keras itself gives (``get_compile_config``, ``History.history``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograder.checks.compile import (
    ACCURACY_NAMES,
    accuracy_kind,
    check_accuracy_fits,
    loss_name,
)
from autograder.checks.results import CheckFailure
from autograder.checks.thresholds import Measure
from autograder.checks.training import held_out_hint


@dataclass(frozen=True)
class OutputFacts:
    """One output of a model: the layer that makes it."""

    name: str
    kind: str
    units: int | None
    activation: Any


@dataclass(frozen=True)
class GraphFacts:
    """A functional model as plain data: inputs (name, shape), outputs, and their sources."""

    inputs: tuple[tuple[str, tuple], ...]
    outputs: tuple[OutputFacts, ...]
    sources: dict[str, frozenset[str]]  # output name -> the input names it is computed from


def input_sources(layers: list[dict], inputs: list[str]) -> dict[str, frozenset[str]]:
    """For each layer of a functional config, the model inputs it is computed from."""
    parents = {layer.get("name"): set(_history_names(layer.get("inbound_nodes")))
               for layer in layers}
    found: dict[str, frozenset[str]] = {}

    def sources(name: str, seen: frozenset[str]) -> frozenset[str]:
        if name in inputs:
            return frozenset({name})
        if name not in found:
            found[name] = frozenset().union(*(sources(parent, seen | {name}) for parent in
                                              parents.get(name, ()) if parent not in seen))
        return found[name]

    return {name: sources(name, frozenset()) for name in parents}


def _history_names(value: Any):
    """The layer names of every ``keras_history`` in a layer's inbound nodes."""
    if isinstance(value, dict):
        history = (value.get("config") or {}).get("keras_history") \
            if isinstance(value.get("config"), dict) else None
        if isinstance(history, (list, tuple)) and history:
            yield history[0]
        for item in value.values():
            yield from _history_names(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _history_names(item)


def _names(items: tuple | list) -> str:
    return ", ".join(str(item) for item in items) or "none"


def check_not_sequential(function: str, kind: str | None, model_call: str) -> None:
    """A Sequential model cannot have several inputs and outputs: say how to build one that can."""
    if kind == "Sequential":
        raise CheckFailure(function, "a functional keras.Model with two inputs and two outputs",
                           "a Sequential model", "A Sequential model has one input and one "
                           "output: connect the layers with the functional API and end with "
                           f"{model_call}.")


def check_inputs(function: str, facts: GraphFacts, expected: dict[str, tuple],
                 leak_hint: str) -> None:
    """Exactly the named inputs of the given shapes, in order; a surplus input is a leak."""
    names = [name for name, _ in facts.inputs]
    wanted = list(expected)
    if len(names) != len(wanted):
        missing = [name for name in wanted if name not in names] or wanted[-1:]
        hint = leak_hint if len(names) > len(wanted) else \
            f"Add the missing input with keras.Input(..., name='{missing[0]}')."
        raise CheckFailure(function, f"{len(wanted)} inputs ({_names(wanted)})",
                           f"{len(names)} input{'s' * (len(names) != 1)} ({_names(names)})",
                           hint)
    if names != wanted:
        raise CheckFailure(function, f"the inputs named {_names(wanted)}, in this order",
                           _names(names), "Name them with keras.Input(..., name=...).")
    for name, shape in facts.inputs:
        if tuple(shape) != tuple(expected[name]):
            raise CheckFailure(f"{function}: input '{name}'", f"shape {expected[name]}",
                               f"shape {tuple(shape)}")


def check_outputs(function: str, facts: GraphFacts, expected: dict[str, int]) -> None:
    """Exactly the named outputs, in order, each a Dense softmax of the given units."""
    names = [output.name for output in facts.outputs]
    if names != list(expected):
        count = f"{len(names)} output{'s' * (len(names) != 1)}"
        raise CheckFailure(function, f"{len(expected)} outputs named {_names(expected)}, in this "
                           "order", f"{count} ({_names(names)})",
                           "Name the output layers with name=..., and pass them in a list to "
                           "keras.Model(outputs=[...]).")
    for output in facts.outputs:
        units = expected[output.name]
        if output.kind != "Dense" or output.units != units or output.activation != "softmax":
            found = f"{output.kind} {output.units or ''}".strip()
            raise CheckFailure(f"{function}: output '{output.name}'", f"Dense {units} with "
                               f"activation 'softmax' (one class for each of 0 to {units - 1})",
                               f"{found} with activation {output.activation!r}")


def check_sources(function: str, facts: GraphFacts, output: str, wanted: tuple[str, ...],
                  hint: str = "") -> None:
    """The output is computed from exactly the inputs ``wanted``."""
    found = facts.sources.get(output, frozenset())
    if found != set(wanted):
        order = [name for name, _ in facts.inputs if name in found]
        raise CheckFailure(f"{function}: output '{output}'",
                           f"an output computed from {' and '.join(wanted)}"
                           f"{' only' if len(wanted) == 1 else ''}",
                           f"one computed from {' and '.join(order) or 'no input'}"
                           f"{' only' if len(order) == 1 else ''}", hint)


def per_output(setting: Any, outputs: tuple[str, ...]) -> dict[str, Any] | None:
    """A compile setting given per output (a dict by name or a list in order), else None."""
    if isinstance(setting, dict) and set(setting) == set(outputs):
        return dict(setting)
    if isinstance(setting, list) and len(setting) == len(outputs):
        return dict(zip(outputs, setting, strict=True))
    return None


def check_loss_per_output(function: str, compile_config: dict, outputs: tuple[str, ...],
                          accepted: frozenset[str], hint: str) -> None:
    """One loss for each output, each one of ``accepted``, on probabilities."""
    loss = compile_config.get("loss")
    losses = per_output(loss, outputs)
    if losses is None:
        shape = "{" + ", ".join(f"'{name}': ..." for name in outputs) + "}"
        found = f"losses for {_names(sorted(loss))}" if isinstance(loss, dict) else \
            f"a list of {len(loss)} losses" if isinstance(loss, list) else \
            f"the single loss {loss_name(loss)[0]!r} for both outputs" if loss else "no loss"
        raise CheckFailure(f"{function}: loss", f"one loss for each output, {shape}", found,
                           "Pass a dict keyed by the output names.")
    for name in outputs:
        kind, from_logits = loss_name(losses[name])
        if kind not in accepted:
            raise CheckFailure(f"{function}: loss of '{name}'", " or ".join(sorted(accepted)),
                               kind or "no loss", hint)
        if from_logits:
            raise CheckFailure(f"{function}: loss of '{name}'", f"{kind} on probabilities "
                               "(from_logits=False)", "from_logits=True",
                               "The output already ends in a softmax.")


def check_accuracy_per_output(function: str, compile_config: dict, outputs: tuple[str, ...],
                              labels: str) -> None:
    """Accuracy, in any spelling that fits ``labels`` ("sparse" or "one_hot"), among the
    metrics of every output."""
    metrics = per_output(compile_config.get("metrics"), outputs) or {}
    for name in outputs:
        found = metrics.get(name)
        found = found if isinstance(found, list) else [] if found is None else [found]
        shape = "{" + ", ".join(f"'{o}': ['accuracy']" for o in outputs) + "}"
        kinds = [accuracy_kind(metric)[0] for metric in found]
        if not any(kinds):
            raise CheckFailure(f"{function}: metrics", f"accuracy for each output, {shape}",
                               repr(compile_config["metrics"]) if compile_config.get(
                                   "metrics") else "no metrics")
        for metric, kind in zip(found, kinds, strict=True):
            if kind:
                check_accuracy_fits(f"{function}: metrics of '{name}'", metric, labels,
                                    f"accuracy for each output, {shape}")


def check_history_per_output(function: str, history: dict[str, list],
                             outputs: tuple[str, ...]) -> None:
    """The loss and the accuracy of every output were recorded each epoch."""
    keys = set(history)
    missing = [f"{name}_loss" for name in outputs if f"{name}_loss" not in keys]
    missing += [f"{name}_accuracy" for name in outputs
                if not any(f"{name}_{key}" in keys for key in ACCURACY_NAMES)]
    if missing:
        wanted = [f"{name}_{what}" for what in ("loss", "accuracy") for name in outputs]
        raise CheckFailure(function, f"a history with the loss and the accuracy of each output "
                           f"({_names(wanted)})", f"the keys {sorted(keys)}")


def check_output_accuracy(function: str, output: str, accuracy: float, threshold: float,
                          images: int, held_out: int = 0) -> dict:
    """One output's accuracy of at least ``threshold`` on ``images`` test images (``held_out``
    of them kept from the notebook); returns the Measure as details."""
    measure = Measure(function, f"'{output}' test accuracy", accuracy, threshold,
                      images).details()
    if not accuracy >= threshold:
        raise CheckFailure(f"{function}: the '{output}' output", f"test accuracy of at least "
                           f"{threshold:g}", f"{accuracy:.4f}", held_out_hint(held_out), measure)
    return measure
