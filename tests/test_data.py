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


def _write(path, x_train, y_train):
    """An .npz with the given training arrays and three blank test images."""
    np.savez(path, x_train=x_train, y_train=y_train, x_test=np.zeros((3, 28, 28), np.uint8),
             y_test=np.zeros(3, np.uint8))
    return path


def test_wrong_layout_names_the_array(tmp_path):
    wrong = _write(tmp_path / "mnist.npz", np.zeros((5, 784), np.uint8), np.zeros(5, np.uint8))
    with pytest.raises(data.DataError) as raised:
        data.load_mnist(wrong)
    assert str(raised.value).startswith(
        f"MNIST file at {wrong} has x_train of shape (5, 784), expected (N, 28, 28) with N > 0: "
        f"point {course_config.MNIST_PATH_ENV} at")


def test_labels_that_do_not_match_the_images_are_named(tmp_path):
    wrong = _write(tmp_path / "mnist.npz", np.zeros((5, 28, 28), np.uint8), np.zeros(4, np.uint8))
    with pytest.raises(data.DataError, match=r"y_train of shape \(4,\) for 5 images in x_train: "):
        data.load_mnist(wrong)


def test_a_sample_in_the_same_layout_is_read(tmp_path):
    sample = _write(tmp_path / "mnist.npz", np.full((5, 28, 28), 7, np.uint8),
                    np.arange(5, dtype=np.uint8))
    (x_train, y_train), (x_test, _) = data.load_mnist(sample)
    assert x_train.shape == (5, 28, 28) and list(y_train) == [0, 1, 2, 3, 4]
    assert x_test.shape == (3, 28, 28)


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


def test_the_held_out_test_images_are_a_fixed_half_kept_in_order():
    _, (x_test, y_test) = data.load_mnist()
    (given, given_labels), (held, held_labels) = data.split_held_out(x_test, y_test)
    assert len(held) == round(len(y_test) * course_config.HELD_OUT_TEST_FRACTION) == 5000
    assert len(given) + len(held) == len(x_test) and len(given_labels) == len(given)
    rows = {image.tobytes() for image in x_test}
    assert {image.tobytes() for image in given}.isdisjoint(image.tobytes() for image in held)
    assert {image.tobytes() for image in (*given, *held)} == rows
    again = data.split_held_out(x_test, y_test)
    assert np.array_equal(again[1][0], held) and np.array_equal(again[1][1], held_labels)
    assert sorted(np.unique(held_labels)) == list(range(10))  # every digit is held out too


def test_the_kernels_file_holds_the_training_images_and_the_given_test_images(tmp_path):
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    given, _ = data.split_held_out(x_test, y_test)
    path = data.write_for_kernels((x_train, y_train), given, tmp_path / "mnist.npz")
    (train, train_labels), (test, test_labels) = data.load_mnist(path)
    assert np.array_equal(train, x_train) and np.array_equal(train_labels, y_train)
    assert np.array_equal(test, given[0]) and np.array_equal(test_labels, given[1])
    assert path.stat().st_mode & 0o777 == 0o644  # a kernel's own user can read it
