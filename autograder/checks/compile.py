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
# History keys of an accuracy, whichever correct spelling compiled it
ACCURACY_NAMES = frozenset({"accuracy", "acc", "sparse_categorical_accuracy",
                            "categorical_accuracy"})
# What each spelling of an accuracy metric measures. "accuracy" and "acc" are matched to the
# labels by Keras; keras.metrics.Accuracy ("Accuracy") counts exact equality of prediction and
# label, which a probability never has.
_ACCURACY_KINDS = {"accuracy": "auto", "acc": "auto",
                   "sparse_categorical_accuracy": "sparse", "categorical_accuracy": "one_hot",
                   "binary_accuracy": "binary", "Accuracy": "exact",
                   "SparseCategoricalAccuracy": "sparse", "CategoricalAccuracy": "one_hot",
                   "BinaryAccuracy": "binary"}
_WRONG_ACCURACY = {
    "exact": "It counts predictions exactly equal to their labels, which probabilities never are",
    "binary": "It is an accuracy for two classes",
    "sparse": "It expects integer labels, and these labels are one-hot",
    "one_hot": "It expects one-hot labels, and these labels are integers",
}


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


def check_own_optimizer(function: str, shared: Any, name: str) -> None:
    """Each model the function compiles gets an optimizer of its own."""
    if shared is True:
        raise CheckFailure(function, "a new optimizer for each model it compiles",
                           "one optimizer object given to two models",
                           "Keras 3 cannot train a second model with it: create the optimizer "
                           f"inside {function}, e.g. optimizer={name!r}.")


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


def accuracy_kind(metric: Any) -> tuple[str | None, str]:
    """What a serialized metric measures ("auto", "sparse", "one_hot", "binary", "exact", or
    None when it is no accuracy) and how to show it: ``'acc'`` or ``CategoricalAccuracy()``."""
    if isinstance(metric, str):
        return _ACCURACY_KINDS.get(metric), repr(metric)
    if isinstance(metric, dict):
        config, kind = metric.get("config"), str(metric.get("class_name", ""))
        if isinstance(config, str):  # a plain function such as keras.metrics.categorical_accuracy
            return _ACCURACY_KINDS.get(config), config
        return _ACCURACY_KINDS.get(kind), f"{kind}()"
    return None, type(metric).__name__


def check_accuracy_metric(function: str, compile_config: dict, labels: str) -> None:
    """Accuracy, in any spelling that fits ``labels`` ("sparse" or "one_hot"), is the only
    metric."""
    metrics = compile_config.get("metrics") or []
    if len(metrics) != 1:
        names = [metric_name(metric) for metric in metrics]
        raise CheckFailure(f"{function}: metrics", "accuracy as the only metric",
                           str(names) if names else "no metrics")
    check_accuracy_fits(f"{function}: metrics", metrics[0], labels,
                        "accuracy as the only metric")


def check_accuracy_fits(subject: str, metric: Any, labels: str, expected: str) -> None:
    """One metric is an accuracy that can measure a classifier on ``labels``."""
    kind, shown = accuracy_kind(metric)
    if kind in ("auto", labels):
        return
    raise CheckFailure(subject, expected, shown, f"{_WRONG_ACCURACY[kind]}: use "
                       "metrics=['accuracy']." if kind in _WRONG_ACCURACY else "")
