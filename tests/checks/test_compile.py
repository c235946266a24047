"""Compile checks accept every equivalent spelling and name the wrong setting."""

import keras
import pytest

from autograder.checks import compile as checks
from autograder.checks.results import CheckFailure

LOSSES = frozenset({"sparse_categorical_crossentropy"})


def compiled(**kwargs):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(**kwargs)
    return model.get_compile_config()


def failures(config):
    defaults = keras.optimizers.Adam().get_config()
    found = []
    for check in (lambda: checks.check_compiled("compile_model", config),
                  lambda: checks.check_optimizer("compile_model", config, "Adam", defaults),
                  lambda: checks.check_loss("compile_model", config, LOSSES),
                  lambda: checks.check_accuracy_metric("compile_model", config)):
        try:
            check()
        except CheckFailure as failure:
            found.append(failure.message)
            break
    return found


@pytest.mark.parametrize("optimizer, loss, metrics", [
    ("adam", "sparse_categorical_crossentropy", ["accuracy"]),
    ("Adam", "SparseCategoricalCrossentropy", ["sparse_categorical_accuracy"]),
    (keras.optimizers.Adam(), keras.losses.SparseCategoricalCrossentropy(),
     [keras.metrics.SparseCategoricalAccuracy()]),
    (keras.optimizers.Adam(learning_rate=0.001), keras.losses.sparse_categorical_crossentropy,
     ["acc"]),
])
def test_equivalent_spellings_pass(optimizer, loss, metrics):
    assert failures(compiled(optimizer=optimizer, loss=loss, metrics=metrics)) == []


def test_sgd_is_named():
    config = compiled(optimizer="sgd", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    assert failures(config) == ["compile_model: optimizer: expected Adam, found SGD."]


def test_adam_off_its_defaults():
    config = compiled(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert failures(config) == ["compile_model: optimizer Adam: expected learning_rate 0.001, "
                                "found learning_rate 0.01."]


def test_categorical_instead_of_sparse():
    config = compiled(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    assert failures(config) == ["compile_model: loss: expected sparse_categorical_crossentropy, "
                                "found categorical_crossentropy."]


def test_from_logits_with_softmax_output():
    config = compiled(optimizer="adam",
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    assert failures(config) == ["compile_model: loss: expected sparse_categorical_crossentropy on "
                                "probabilities (from_logits=False), found from_logits=True. The "
                                "model already ends in a softmax."]


def test_extra_metric():
    config = compiled(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy", "mae"])
    assert failures(config) == ["compile_model: metrics: expected accuracy as the only metric, "
                                "found ['accuracy', 'mae']."]


def test_not_compiled():
    assert failures({}) == ["compile_model: expected the model to be compiled (model.compile(...)),"
                            " found a model that was not compiled. Call model.compile inside the "
                            "function; it need not return anything."]
