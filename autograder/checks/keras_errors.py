"""Plain sentences for the errors Keras 3 raises on code written for Keras 2 or TensorFlow 2.0.

The error's text comes from the student's kernel: it is only matched against known patterns,
and what the student reads is our sentence with the names it found, never the library's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from autograder.checks.compile import snake

# Keras 2 accepted these spellings of an activation; Keras 3 knows only its own names.
_ACTIVATIONS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "SELU": "selu",
                "PReLU": "relu", "Softmax": "softmax", "Sigmoid": "sigmoid", "Tanh": "tanh"}


def _activation(match: re.Match) -> str:
    name = match[1]
    return (f"activation {name!r} is not a Keras 3 name; use "
            f"{_ACTIVATIONS.get(name, snake(name))!r}.")


def _generator(match: re.Match) -> str:
    return (f"Keras 3 models have no {match[1]}_generator: pass the generator or dataset to "
            f"model.{match[1]}(...).")


_RULES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (re.compile(r"Could not interpret activation function identifier: ([A-Za-z_]\w{0,40})\b"),
     _activation),
    (re.compile(r"Argument\(s\) not recognized: \{'lr': "),
     lambda m: "the optimizer's argument lr is Keras 2's; Keras 3 calls it learning_rate."),
    (re.compile(r"object has no attribute 'predict_classes'"),
     lambda m: "Keras 3 models have no predict_classes: take "
               "np.argmax(model.predict(images), axis=1)."),
    (re.compile(r"object has no attribute '(fit|evaluate|predict)_generator'"), _generator),
    (re.compile(r"unexpected keyword argument 'nb_epoch'"),
     lambda m: "nb_epoch is Keras 1's spelling; Keras 3 calls it epochs."),
    (re.compile(r"This optimizer can only be called for the variables it was originally built"),
     lambda m: "its optimizer was already used to train another model, and Keras 3 needs a new "
               "optimizer for each model: create it inside the function that compiles, e.g. "
               "optimizer='adam'."),
)


def explain(function: str, message: str) -> str | None:
    """Our sentence for an error message that Keras 3 raises on a Keras 2 spelling, or None."""
    for pattern, sentence in _RULES:
        match = pattern.search(message)
        if match:
            return f"{function}: {sentence(match)}"
    return None
