"""Errors Keras 3 raises on Keras 2 spellings become one sentence with the Keras 3 spelling."""

import keras
import numpy as np
import pytest

from autograder import verdicts


def raised(call) -> dict:
    with pytest.raises(Exception) as error:  # whatever Keras raises
        call()
    return {"kind": "raised", "type": type(error.value).__name__, "message": str(error.value)}


def shared_optimizer():
    optimizer = keras.optimizers.Adam()
    for inputs in (3, 4):
        model = keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(2)])
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(np.zeros((2, inputs)), np.zeros((2, 2)), verbose=0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: keras.layers.Dense(3, activation="ReLU"),
     "get_model: activation 'ReLU' is not a Keras 3 name; use 'relu'."),
    (lambda: keras.layers.Dense(3, activation="LeakyReLU"),
     "get_model: activation 'LeakyReLU' is not a Keras 3 name; use 'leaky_relu'."),
    (lambda: keras.optimizers.Adam(lr=0.01),
     "get_model: the optimizer's argument lr is Keras 2's; Keras 3 calls it learning_rate."),
    (lambda: keras.Sequential().predict_classes,
     "get_model: Keras 3 models have no predict_classes: take np.argmax(model.predict(images), "
     "axis=1)."),
    (lambda: keras.Sequential().fit_generator,
     "get_model: Keras 3 models have no fit_generator: pass the generator or dataset to "
     "model.fit(...)."),
    (lambda: keras.Sequential().fit(np.zeros((1, 1)), np.zeros(1), nb_epoch=1),
     "get_model: nb_epoch is Keras 1's spelling; Keras 3 calls it epochs."),
    (shared_optimizer,
     "get_model: its optimizer was already used to train another model, and Keras 3 needs a "
     "new optimizer for each model: create it inside the function that compiles, e.g. "
     "optimizer='adam'."),
])
def test_known_keras2_errors_get_the_keras3_spelling(call, message):
    assert verdicts.error_message("get_model", raised(call)) == message


def test_other_errors_keep_their_own_message():
    assert verdicts.error_message("get_model", {"kind": "raised", "type": "ValueError",
                                                "message": "Unknown activation [/x]"}) == (
        "get_model raised ValueError: Unknown activation [/x]")
