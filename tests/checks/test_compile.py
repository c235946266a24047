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


def failures(config, losses=LOSSES, labels="sparse"):
    defaults = keras.optimizers.Adam().get_config()
    found = []
    for check in (lambda: checks.check_compiled("compile_model", config),
                  lambda: checks.check_optimizer("compile_model", config, "Adam", defaults),
                  lambda: checks.check_loss("compile_model", config, losses),
                  lambda: checks.check_accuracy_metric("compile_model", config, labels)):
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


@pytest.mark.parametrize("metric", [
    "accuracy", "acc", "sparse_categorical_accuracy", "SparseCategoricalAccuracy",
    keras.metrics.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy(name="acc"),
    keras.metrics.sparse_categorical_accuracy,
])
def test_every_accuracy_for_integer_labels_passes(metric):
    config = compiled(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=[metric])
    assert failures(config) == []


@pytest.mark.parametrize("metric", [
    "accuracy", "acc", "categorical_accuracy", "CategoricalAccuracy",
    keras.metrics.CategoricalAccuracy(), keras.metrics.categorical_accuracy,
])
def test_every_accuracy_for_one_hot_labels_passes(metric):
    config = compiled(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(),
                      metrics=[metric])
    assert failures(config, frozenset({"categorical_crossentropy"}), "one_hot") == []


@pytest.mark.parametrize(("metric", "labels", "found"), [
    (keras.metrics.Accuracy(), "sparse", "Accuracy(). It counts predictions exactly equal to "
     "their labels, which probabilities never are"),
    ("Accuracy", "sparse", "'Accuracy'. It counts predictions exactly equal to their labels, "
     "which probabilities never are"),
    (keras.metrics.BinaryAccuracy(), "sparse", "BinaryAccuracy(). It is an accuracy for two "
     "classes"),
    ("binary_accuracy", "one_hot", "'binary_accuracy'. It is an accuracy for two classes"),
    (keras.metrics.CategoricalAccuracy(), "sparse", "CategoricalAccuracy(). It expects one-hot "
     "labels, and these labels are integers"),
    ("sparse_categorical_accuracy", "one_hot", "'sparse_categorical_accuracy'. It expects "
     "integer labels, and these labels are one-hot"),
])
def test_an_accuracy_that_cannot_measure_these_labels_is_named(metric, labels, found):
    config = compiled(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=[metric])
    assert checks_message(config, labels) == (
        f"compile_model: metrics: expected accuracy as the only metric, found {found}: use "
        "metrics=['accuracy'].")


def checks_message(config, labels):
    with pytest.raises(CheckFailure) as failure:
        checks.check_accuracy_metric("compile_model", config, labels)
    return failure.value.message


def test_an_optimizer_shared_by_two_models_is_named():
    with pytest.raises(CheckFailure) as failure:
        checks.check_own_optimizer("compile_model", True, "rmsprop")
    assert failure.value.message == (
        "compile_model: expected a new optimizer for each model it compiles, found one optimizer "
        "object given to two models. Keras 3 cannot train a second model with it: create the "
        "optimizer inside compile_model, e.g. optimizer='rmsprop'.")
    checks.check_own_optimizer("compile_model", False, "rmsprop")
