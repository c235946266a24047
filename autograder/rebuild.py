"""Grader side: rebuild a model from plain data, with an allow-list of standard Keras layers.

Never ``load_model`` on a student file and never a pickle: the config is checked against the
allow-list, then Keras builds fresh layers from it and the weights are copied in. Sequential
models are the default; an assignment may also accept functional graphs (``FUNCTIONAL``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.models import ModelFacts, layer_facts, normalize
from autograder.checks.multi_output import GraphFacts, OutputFacts, input_sources
from autograder.checks.results import CheckFailure

ALLOWED_LAYERS = frozenset({
    "InputLayer", "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
    "GlobalMaxPooling2D", "Flatten", "Dense", "Dropout", "Reshape", "Activation",
    "BatchNormalization", "Rescaling", "RandomRotation", "RandomTranslation", "RandomZoom",
    "Concatenate", "Add", "Embedding", "CategoryEncoding",
})
ALLOWED_MODULES = ("keras", "keras.layers", "keras.initializers", "keras.regularizers",
                   "keras.constraints", "keras.activations")
SEQUENTIAL, FUNCTIONAL = frozenset({"Sequential"}), frozenset({"Functional"})
MODEL_NAMES = {"Sequential": "a Sequential model",
               "Functional": "a functional keras.Model (keras.Model(inputs=..., outputs=...))"}
# TensorFlow functions passed as activations (Keras 2 style, e.g. activation=tf.nn.softmax)
# serialize as plain functions; these are the ones that mean a standard Keras activation.
TF_ACTIVATIONS = {"softmax_v2": "softmax", "softmax": "softmax", "relu": "relu",
                  "sigmoid": "sigmoid", "tanh": "tanh", "elu": "elu", "selu": "selu",
                  "softplus": "softplus", "gelu": "gelu", "silu": "silu", "swish": "silu"}


def _standard_activations(function: str, layers: list) -> None:
    """Activations must be Keras names; known TensorFlow functions become those names."""
    for number, layer in enumerate(layers):
        config = layer.get("config") if isinstance(layer, dict) else None
        activation = config.get("activation") if isinstance(config, dict) else None
        if isinstance(activation, dict) and activation.get("config") in TF_ACTIVATIONS:
            config["activation"] = activation = TF_ACTIVATIONS[activation["config"]]
        if activation is not None and not isinstance(activation, str):
            raise CheckFailure(f"{function}: layer {number}", "a standard activation such as "
                               "'relu' or 'softmax'", "a custom activation function")


def _walk(function: str, value: Any) -> None:
    """Refuse any serialized object that is not from Keras itself."""
    if isinstance(value, dict):
        module = value.get("module")
        if module is not None and module not in ALLOWED_MODULES:
            raise CheckFailure(function, "a model built only from standard Keras layers",
                               f"a {value.get('class_name', 'custom')} object from module "
                               f"{module!r}")
        for item in value.values():
            _walk(function, item)
    elif isinstance(value, list):
        for item in value:
            _walk(function, item)


def rebuild(function: str, payload: dict, weights: list[np.ndarray] | None = None,
            kinds: frozenset[str] = SEQUENTIAL):
    """A fresh Keras model from a probe's model payload; CheckFailure if it is not allowed.

    ``kinds`` are the model classes accepted: ``SEQUENTIAL`` or ``FUNCTIONAL``.
    """
    import keras

    kind = payload.get("type", "nothing")
    if not payload.get("is_keras_model"):
        raise CheckFailure(function, "a Keras model", f"a value of type {kind}",
                           "Return the model you built.")
    if kind not in kinds:
        raise CheckFailure(function, " or ".join(MODEL_NAMES[k] for k in sorted(kinds)),
                           f"a model of class {kind}")
    if "config_error" in payload:
        raise CheckFailure(function, "a model whose configuration Keras can save",
                           f"an error: {payload['config_error']}")
    config = payload.get("config")
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list) or (kind == "Functional" and not {
            "input_layers", "output_layers"} <= set(config)):
        raise CheckFailure(function, "a model configuration with layers", "none")
    for number, layer in enumerate(layers):
        name = layer.get("class_name") if isinstance(layer, dict) else None
        if name not in ALLOWED_LAYERS:
            raise CheckFailure(function, "standard Keras layers only",
                               f"layer {number} of class {name!r}")
    _standard_activations(function, layers)
    _walk(function, config)
    try:
        model = (keras.Sequential if kind == "Sequential" else keras.Model).from_config(config)
    except Exception as error:  # noqa: BLE001 - a config Keras itself rejects
        raise CheckFailure(function, "a model Keras can rebuild from its configuration",
                           f"an error: {type(error).__name__}: {str(error)[:200]}") from None
    if weights is not None:
        _set_weights(function, model, weights)
    return model


def _set_weights(function: str, model, weights: list[np.ndarray]) -> None:
    shapes = [tuple(w.shape) for w in model.get_weights()]
    found = [tuple(w.shape) for w in weights]
    if shapes != found:
        raise CheckFailure(function, f"trained weights of shapes {shapes}", f"{found}")
    model.set_weights(weights)


def weights_of(arrays: dict[str, np.ndarray], prefix: str = "weight_") -> list[np.ndarray]:
    """Weights handed back as ``<prefix>0 .. <prefix>n``, in order."""
    count = sum(1 for key in arrays if key.startswith(prefix) and key[len(prefix):].isdigit())
    return [arrays[f"{prefix}{i}"] for i in range(count)]


def facts(payload: dict, model) -> ModelFacts:
    """Plain facts about a rebuilt model, for the model checks."""
    built = model.built
    input_shape = tuple(model.inputs[0].shape[1:]) if built else None
    layers = tuple(layer_facts(type(layer).__name__, layer.get_config()) for layer in model.layers)
    params = int(model.count_params()) if built else 0
    return ModelFacts(payload.get("type", ""), input_shape, layers, params)


def functional_facts(model) -> GraphFacts:
    """Plain facts about a rebuilt functional model: its inputs, outputs and their sources."""
    config = model.get_config()
    inputs = tuple((str(t.name), tuple(t.shape[1:])) for t in model.inputs)
    outputs = []
    for name in model.output_names:
        layer_config = model.get_layer(name).get_config()
        outputs.append(OutputFacts(name, type(model.get_layer(name)).__name__,
                                   layer_config.get("units"),
                                   normalize(layer_config.get("activation"))))
    sources = input_sources(config["layers"], [name for name, _ in inputs])
    return GraphFacts(inputs, tuple(outputs), {o.name: sources.get(o.name, frozenset())
                                                for o in outputs})
