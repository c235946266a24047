"""Checks on how a model was compiled, from ``model.get_compile_config()`` (plain data)."""

from __future__ import annotations

import math
import re
from typing import Any

from autograder.checks.results import CheckFailure

# Settings that make an optimizer "at its defaults" when they equal the class's own defaults.
OPTIMIZER_SETTINGS = ("learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad", "momentum",
                      "nesterov", "rho", "weight_decay", "clipnorm", "clipvalue",
                      "global_clipnorm", "use_ema")
ACCURACY_NAMES = frozenset({"accuracy", "acc", "sparse_categorical_accuracy"})


def snake(name: str) -> str:
    """``SparseCategoricalCrossentropy`` -> ``sparse_categorical_crossentropy``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def loss_name(loss: Any) -> tuple[str, bool]:
    """The canonical name of a serialized loss and whether it expects logits."""
    if isinstance(loss, str):
        return snake(loss) if loss[:1].isupper() else loss, False
    if isinstance(loss, dict):
        config = loss.get("config")
        if isinstance(config, str):  # a plain function such as keras.losses.mse
            return config, False
        from_logits = bool(config.get("from_logits", False)) if isinstance(config, dict) else False
        return snake(str(loss.get("class_name", ""))), from_logits
    return type(loss).__name__, False


def metric_name(metric: Any) -> str:
    if isinstance(metric, str):
        return snake(metric) if metric[:1].isupper() else metric
    if isinstance(metric, dict):
        config = metric.get("config")
        return config if isinstance(config, str) else snake(str(metric.get("class_name", "")))
    return type(metric).__name__


def check_compiled(function: str, compile_config: dict | None) -> None:
    if not compile_config or not compile_config.get("optimizer"):
        raise CheckFailure(function, "the model to be compiled (model.compile(...))",
                           "a model that was not compiled",
                           "Call model.compile inside the function; it need not return anything.")


def check_optimizer(function: str, compile_config: dict, kind: str,
                    defaults: dict[str, Any]) -> None:
    """The optimizer is ``kind`` with every setting at ``defaults``."""
    optimizer = compile_config["optimizer"]
    found = optimizer.get("class_name") if isinstance(optimizer, dict) else str(optimizer)
    if str(found).lower() != kind.lower():
        raise CheckFailure(f"{function}: optimizer", kind, str(found))
    config = optimizer.get("config", {}) if isinstance(optimizer, dict) else {}
    for key in OPTIMIZER_SETTINGS:
        if key in defaults and key in config and not _same(config[key], defaults[key]):
            raise CheckFailure(f"{function}: optimizer {kind}", f"{key} {_show(defaults[key])}",
                               f"{key} {_show(config[key])}")


def _show(value: Any) -> str:
    """A setting as a student wrote it: 0.001, not 0.0010000000474974513."""
    return repr(float(f"{value:.6g}")) if isinstance(value, float) else repr(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6)
    return a == b


def check_loss(function: str, compile_config: dict, accepted: frozenset[str]) -> None:
    name, from_logits = loss_name(compile_config.get("loss"))
    expected = " or ".join(sorted(accepted))
    if name not in accepted:
        raise CheckFailure(f"{function}: loss", expected, name or "no loss")
    if from_logits:
        raise CheckFailure(f"{function}: loss", f"{name} on probabilities (from_logits=False)",
                           "from_logits=True", "The model already ends in a softmax.")


def check_accuracy_metric(function: str, compile_config: dict) -> None:
    """Accuracy, in any of its spellings, is the only metric."""
    metrics = compile_config.get("metrics") or []
    names = [metric_name(metric) for metric in metrics]
    if len(names) != 1 or names[0] not in ACCURACY_NAMES:
        raise CheckFailure(f"{function}: metrics", "accuracy as the only metric",
                           str(names) if names else "no metrics")
