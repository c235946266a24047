from pathlib import Path

import numpy as np
import pytest

import course_config
from autograder import data
from tests.conftest import MNIST


def test_loads_real_mnist_in_keras_layout():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and x_test.shape == (10000, 28, 28)
    assert y_test.shape == (10000,) and int(x_train.max()) == 255
    assert sorted(np.unique(y_test)) == list(range(10))


def test_each_call_gets_its_own_writable_copy():
    (first, _), _ = data.load_mnist()
    first[0, 0, 0] = 77
    (second, _), _ = data.load_mnist()
    assert second[0, 0, 0] != 77


def test_environment_variable_points_the_loader(monkeypatch):
    monkeypatch.setenv(course_config.MNIST_PATH_ENV, str(MNIST))
    assert data.configured_path() == MNIST.resolve()


def test_missing_file_names_the_path_and_the_fix(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "mnist.npz"
    monkeypatch.setenv(course_config.MNIST_PATH_ENV, str(missing))
    with pytest.raises(data.DataError) as error:
        data.load_mnist()
    assert str(error.value) == (
        f"MNIST file not found at {missing}: point MNIST_PATH at a copy of mnist.npz in the "
        "keras.datasets.mnist layout, or set it to an empty value to let Keras download MNIST.")


def test_corrupt_file_says_so(tmp_path):
    corrupt = tmp_path / "mnist.npz"
    corrupt.write_bytes(b"this is not a zip archive")
    with pytest.raises(data.DataError, match=f"MNIST file at {corrupt} is unreadable or corrupt"):
        data.load_mnist(corrupt)


def test_wrong_layout_names_the_array(tmp_path):
    wrong = tmp_path / "mnist.npz"
    arrays = {"x_train": np.zeros((5, 28, 28), np.uint8), "y_train": np.zeros(5, np.uint8),
              "x_test": np.zeros((10000, 28, 28), np.uint8), "y_test": np.zeros(10000, np.uint8)}
    np.savez(wrong, **arrays)
    with pytest.raises(data.DataError, match=r"has x_train of shape \(5, 28, 28\), expected "
                                             r"\(60000, 28, 28\)"):
        data.load_mnist(wrong)


def test_empty_variable_falls_back_to_keras_download(monkeypatch):
    import keras

    calls = []
    monkeypatch.setenv(course_config.MNIST_PATH_ENV, "")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: calls.append(1) or "keras")
    assert data.load_mnist() == "keras"
    assert calls == [1]


def test_default_is_the_shared_copy_when_no_variable(monkeypatch):
    monkeypatch.delenv(course_config.MNIST_PATH_ENV)
    expected = course_config.DEFAULT_MNIST_PATH
    assert data.configured_path() == (expected if Path(expected).exists() else None)
