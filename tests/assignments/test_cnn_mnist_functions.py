"""The graded functions of the source notebook, called directly (testbook style, no kernel)."""

import re

import numpy as np
import pytest

import course_config
from autograder import verdicts
from autograder.assignments import cnn_mnist
from autograder.workbench import Workbench, build_model, compile_reference
from tests.conftest import solution_namespace

POINTS = course_config.ASSIGNMENTS["cnn_mnist"].points


def notebook_namespace(replace: dict[str, str] | None = None) -> dict:
    return solution_namespace("cnn_mnist", replace)


@pytest.fixture(scope="module")
def bench():
    return Workbench()


def judge(function, ns, bench, state=None):
    found = cnn_mnist.probe(function, ns, bench, state if state is not None else {})
    return verdicts.judge(cnn_mnist, found, bench, POINTS[function])


@pytest.mark.parametrize("function", ["scale_mnist_data", "get_model", "compile_model"])
def test_solution_functions_pass_every_check(bench, function):
    result = judge(function, notebook_namespace(), bench)
    assert result.messages == [] and result.score == POINTS[function]
    assert len(result.checks) >= 4


def test_scale_mnist_data_returns_new_float_arrays(bench):
    ns = notebook_namespace()
    train, test = bench.sample_train.copy(), bench.sample_test.copy()
    scaled_train, scaled_test = ns["scale_mnist_data"](train, test)
    assert scaled_train.dtype.kind == "f" and scaled_train.max() == 1.0
    assert np.array_equal(train, bench.sample_train)


def test_evaluate_model_matches_the_graders_own_measurement(bench):
    state = {"model": build_model(cnn_mnist.SPEC)}
    compile_reference(state["model"])
    result = judge("evaluate_model", notebook_namespace(), bench, state)
    assert result.passed


def test_scaling_that_divides_by_256_is_caught(bench):
    wrong = {"scale_mnist_data": "def scale_mnist_data(a, b):\n    return a / 256., b / 256."}
    result = judge("scale_mnist_data", notebook_namespace(wrong), bench)
    assert result.messages == [
        "scale_mnist_data: the training images: expected each pixel divided by 255, found pixel "
        "(0, 21, 20) is 0.996094 where 255/255 = 1."]


def test_objects_that_equal_anything_are_not_taken_for_arrays(bench):
    wrong = {"scale_mnist_data": (
        "class Anything:\n    __eq__ = lambda self, other: True\n"
        "    def __getattr__(self, name):\n        return self\n"
        "def scale_mnist_data(a, b):\n    return Anything(), Anything()")}
    result = judge("scale_mnist_data", notebook_namespace(wrong), bench)
    assert result.messages == ["scale_mnist_data: the scaled training images: expected a NumPy "
                               "array, found a value of type Anything."]


def test_scaling_in_place_is_caught(bench):
    wrong = {"scale_mnist_data": (
        "def scale_mnist_data(a, b):\n    a[...] = a // 255\n    b[...] = b // 255\n"
        "    return a / 1., b / 1.")}
    result = judge("scale_mnist_data", notebook_namespace(wrong), bench)
    assert result.messages[0].startswith("scale_mnist_data: the training images: expected each "
                                         "pixel divided by 255")


def test_missing_function_is_named(bench):
    ns = notebook_namespace()
    del ns["get_model"]
    assert judge("get_model", ns, bench).messages == [
        "get_model is not defined. Run the cell that defines it, and fix any error it shows."]


def test_function_returning_none(bench):
    wrong = {"get_model": "def get_model(input_shape):\n    Sequential()"}
    assert judge("get_model", notebook_namespace(wrong), bench).messages == [
        "get_model: expected a Keras model, found a value of type NoneType. Return the model "
        "you built."]


GET_MODEL = """def get_model(input_shape):
    return Sequential([
        {first}
        Conv2D(8, (3, 3), padding="same", activation="{activation}"{input_shape}),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dense(64, activation="relu"),
        Dense(64, activation="relu"),
        Dense(10, activation="softmax"),
    ])"""


def get_model(first="tf.keras.Input(shape=input_shape),", activation="relu", input_shape=""):
    return {"get_model": GET_MODEL.format(first=first, activation=activation,
                                          input_shape=input_shape)}


def test_a_model_that_ignores_its_input_shape_argument_is_named(bench):
    wrong = get_model(first="", input_shape=", input_shape=(28, 28, 1)")
    assert judge("get_model", notebook_namespace(wrong), bench).messages == [
        "get_model: expected a model whose input is the input_shape it is given: called with "
        "(32, 32, 1), an input of (32, 32, 1), found an input of (28, 28, 1). The model ignores "
        "its input_shape argument: use keras.Input(shape=input_shape) instead of a fixed shape."]


def test_keras2_input_shape_of_the_argument_passes(bench):
    right = get_model(first="", input_shape=", input_shape=input_shape")
    assert judge("get_model", notebook_namespace(right), bench).messages == []


def test_layers_added_one_by_one_pass(bench):
    right = {"get_model": (
        "def get_model(input_shape):\n    model = Sequential()\n"
        "    model.add(tf.keras.Input(shape=input_shape))\n"
        "    model.add(Conv2D(8, 3, padding='same', activation=tf.nn.relu))\n"
        "    model.add(MaxPooling2D())\n    model.add(Flatten())\n"
        "    model.add(Dense(64, 'relu'))\n    model.add(Dense(64, 'relu'))\n"
        "    model.add(Dense(10, activation='softmax'))\n    return model")}
    assert judge("get_model", notebook_namespace(right), bench).messages == []


def test_a_keras2_activation_name_gets_its_keras3_spelling(bench):
    wrong = get_model(activation="ReLU")
    assert judge("get_model", notebook_namespace(wrong), bench).messages == [
        "get_model: activation 'ReLU' is not a Keras 3 name; use 'relu'."]


def test_an_exact_equality_accuracy_fails_compile_only(bench):
    wrong = {"compile_model": (
        "def compile_model(model):\n    model.compile(optimizer='adam', "
        "loss='sparse_categorical_crossentropy', metrics=[tf.keras.metrics.Accuracy()])")}
    assert judge("compile_model", notebook_namespace(wrong), bench).messages == [
        "compile_model: metrics: expected accuracy as the only metric, found Accuracy(). It "
        "counts predictions exactly equal to their labels, which probabilities never are: use "
        "metrics=['accuracy']."]


def test_a_compile_that_shares_one_optimizer_fails(bench):
    wrong = {"compile_model": (
        "OPTIMIZER = tf.keras.optimizers.Adam()\n"
        "def compile_model(model):\n    model.compile(optimizer=OPTIMIZER, "
        "loss='sparse_categorical_crossentropy', metrics=['accuracy'])")}
    assert judge("compile_model", notebook_namespace(wrong), bench).messages == [
        "compile_model: expected a new optimizer for each model it compiles, found one optimizer "
        "object given to two models. Keras 3 cannot train a second model with it: create the "
        "optimizer inside compile_model, e.g. optimizer='adam'."]


def test_evaluate_model_that_reads_the_notebooks_images_instead_of_its_arguments_fails(bench):
    state = {"model": build_model(cnn_mnist.SPEC)}
    compile_reference(state["model"])
    wrong = {"evaluate_model": (
        "def evaluate_model(model, images, labels):\n"
        "    return tuple(model.evaluate(scaled_test_images, test_labels, verbose=0))")}
    ns = notebook_namespace(wrong)
    ns["scaled_test_images"], ns["test_labels"] = bench.x_test, bench.y_test
    messages = judge("evaluate_model", ns, bench, state).messages
    assert len(messages) == 1
    assert re.fullmatch(r"evaluate_model: expected \(test_loss, test_accuracy\) = "
                        r"\(\d\.\d{4}, 0\.\d{4}\), found \(\d\.\d{4}, 0\.\d{4}\)\.", messages[0])
