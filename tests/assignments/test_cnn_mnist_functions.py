"""The graded functions of the source notebook, called directly (testbook style, no kernel)."""

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
