"""Model checks compare a rebuilt model with the cnn_mnist spec, naming the layer and field."""

import keras
import pytest
from keras import layers

from autograder import probe, rebuild
from autograder.assignments.cnn_mnist import SPEC
from autograder.checks import models
from autograder.checks.results import CheckFailure, run_checks


def cnn(conv=None, dense=(64, 64), last="softmax", first_input=True):
    conv = conv or {"filters": 8, "kernel_size": (3, 3), "padding": "same", "activation": "relu"}
    stack = [keras.Input((28, 28, 1))] if first_input else []
    stack += [layers.Conv2D(**conv), layers.MaxPooling2D((2, 2)), layers.Flatten()]
    stack += [layers.Dense(units, activation="relu") for units in dense]
    stack.append(layers.Dense(10, activation=last))
    return keras.Sequential(stack)


def messages(model):
    payload, _ = probe.model_payload(model)

    def facts():
        return rebuild.facts(payload, rebuild.rebuild("get_model", payload))

    results = run_checks("get_model", [("rebuild", facts, False),
                                       *models.model_checks("get_model", facts, SPEC)])
    return [r.message for r in results if not r.passed]


def test_reference_model_passes_every_check():
    assert messages(cnn()) == []


def test_valid_padding_names_layer_and_setting():
    conv = {"filters": 8, "kernel_size": (3, 3), "padding": "valid", "activation": "relu"}
    assert messages(cnn(conv)) == [
        "get_model: layer 1 (Conv2D): expected padding 'same', found 'valid'."]


def test_sixteen_filters():
    conv = {"filters": 16, "kernel_size": (3, 3), "padding": "same", "activation": "relu"}
    assert messages(cnn(conv)) == ["get_model: layer 1 (Conv2D): expected filters 8, found 16."]


def test_missing_dense_layer_is_named():
    assert messages(cnn(dense=(64,))) == [
        "get_model: expected 6 layers (Conv2D, MaxPooling2D, Flatten, Dense, Dense, Dense), "
        "found 5 (Conv2D, MaxPooling2D, Flatten, Dense, Dense). Problem: missing layer 5 "
        "(Dense 64)."]


def test_no_softmax_says_no_activation():
    assert messages(cnn(last=None)) == [
        "get_model: layer 6 (Dense): expected activation 'softmax', found 'linear' "
        "(no activation)."]


def test_wrong_units_change_parameter_count_after_layer_settings():
    model = cnn(dense=(64, 64))
    facts = rebuild.facts(*(lambda p: (p, rebuild.rebuild("get_model", p)))(
        probe.model_payload(model)[0]))
    wrong = models.ModelSpec(SPEC.kind, SPEC.input_shape, SPEC.layers, 105_305)
    with pytest.raises(CheckFailure) as failure:
        models.check_param_count("get_model", facts, wrong)
    assert failure.value.message == ("get_model: expected 105,305 trainable and non-trainable "
                                     "parameters, found 105,306.")


def test_model_without_input_shape():
    assert messages(cnn(first_input=False)) == [
        "get_model: expected a model that takes inputs of shape (28, 28, 1), found a model with "
        "no input shape. Pass input_shape to the first layer, or start with "
        "keras.Input(shape=input_shape)."]


def test_keras2_input_shape_argument_is_graded_on_what_it_does():
    model = keras.Sequential([
        layers.Conv2D(8, 3, padding="same", activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    assert messages(model) == []


def test_not_a_model():
    payload, _ = probe.model_payload("a string")
    with pytest.raises(CheckFailure) as failure:
        rebuild.rebuild("get_model", payload)
    assert failure.value.message == ("get_model: expected a Keras model, found a value of type "
                                     "str. Return the model you built.")


def test_custom_layer_is_refused_by_the_allow_list():
    @keras.saving.register_keras_serializable(package="student")
    class Sneaky(layers.Layer):
        def call(self, x):
            return x

    model = keras.Sequential([keras.Input((28, 28, 1)), Sneaky(), layers.Flatten(),
                              layers.Dense(10, activation="softmax")])
    payload, _ = probe.model_payload(model)
    with pytest.raises(CheckFailure, match="expected standard Keras layers only, found layer 1 of "
                                           "class 'Sneaky'"):
        rebuild.rebuild("get_model", payload)


def test_subclassed_model_is_not_a_sequential():
    class Fake(keras.Model):
        def count_params(self):
            return 105_306

    payload, _ = probe.model_payload(Fake())
    with pytest.raises(CheckFailure, match="expected a Sequential model, found a model of class "
                                           "Fake"):
        rebuild.rebuild("get_model", payload)


def test_weights_round_trip_through_plain_arrays():
    import numpy as np

    model = cnn()
    payload, arrays = probe.model_payload(model, weights=True)
    copy = rebuild.rebuild("train_model", payload, rebuild.weights_of(arrays))
    for mine, theirs in zip(model.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_tensorflow_activation_functions_count_as_their_keras_names():
    import tensorflow as tf

    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(8, 3, padding="same", activation=tf.nn.relu),
        layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"), layers.Dense(10, activation=tf.nn.softmax)])
    assert messages(model) == []


def test_arbitrary_python_activation_is_refused():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, activation=lambda x: x * 0)])
    payload, _ = probe.model_payload(model)
    with pytest.raises(CheckFailure, match="get_model: layer 1: expected a standard activation "
                                           "such as 'relu' or 'softmax', found a custom "
                                           "activation function."):
        rebuild.rebuild("get_model", payload)
