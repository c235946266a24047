"""keras_digits: the source notebook's graded functions called directly (no kernel, no training)."""

import pytest

import course_config
from autograder import verdicts, workbench
from autograder.assignments import keras_digits
from autograder.workbench import Workbench
from tests.conftest import solution_namespace

POINTS = course_config.ASSIGNMENTS["keras_digits"].points
CHEAP = ["prepare_images", "one_hot_labels", "build_dense_model", "compile_model",
         "build_cnn_model", "predicted_classes", "holdout_accuracy"]


def judge(function, replace=None, state=None):
    bench = Workbench()
    found = keras_digits.probe(function, solution_namespace("keras_digits", replace), bench,
                               state if state is not None else {})
    return verdicts.judge(keras_digits, found, bench, POINTS[function])


@pytest.mark.parametrize("function", CHEAP)
def test_solution_functions_pass_every_check(function):
    result = judge(function)
    assert result.messages == [] and result.score == POINTS[function]


@pytest.mark.parametrize(("function", "code", "message"), [
    ("prepare_images", "def prepare_images(images):\n    return images.reshape(-1, 28, 28, 1) * 1.",
     "prepare_images: expected dtype float32, found dtype float64. Convert with "
     ".astype('float32')."),
    ("prepare_images", "def prepare_images(images):\n"
                       "    return images.reshape(-1, 28, 28, 1).astype('float32')",
     "prepare_images: expected values in [0, 1], found values from 0 to 255. They look "
     "unscaled."),
    ("prepare_images", "def prepare_images(images):\n    return images.astype('float32') / 255",
     "prepare_images: expected shape (256, 28, 28, 1), found shape (256, 28, 28)."),
    ("one_hot_labels", "def one_hot_labels(labels):\n"
                       "    return keras.utils.to_categorical(labels, num_classes=11)",
     "one_hot_labels: expected one-hot rows of 10 columns, one per class, found shape "
     "(500, 11). Use 10 classes: the digits 0 to 9."),
    ("one_hot_labels", "def one_hot_labels(labels):\n    return labels",
     "one_hot_labels: expected one-hot rows of 10 columns, one per class, found shape (500,). "
     "Use 10 classes: the digits 0 to 9."),
    ("one_hot_labels", "def one_hot_labels(labels):\n    return list(labels)",
     "one_hot_labels: expected a NumPy array, found a value of type list."),
    ("build_dense_model", "def build_dense_model(input_shape):\n    return keras.Sequential(["
     "keras.Input(shape=input_shape), layers.Flatten(), layers.Dense(512, activation='relu'),"
     " layers.Dense(256, activation='relu'), layers.Dense(10, activation='softmax')])",
     "build_dense_model: layer 3 (Dense): expected units 512, found 256."),
    ("compile_model", "def compile_model(model):\n    model.compile(optimizer='adam', "
     "loss='categorical_crossentropy', metrics=['accuracy'])",
     "compile_model: optimizer: expected RMSprop, found Adam."),
    ("compile_model", "def compile_model(model):\n    model.compile(optimizer='rmsprop', "
     "loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
     "compile_model: loss: expected categorical_crossentropy, found "
     "sparse_categorical_crossentropy."),
    ("build_cnn_model", "def build_cnn_model(input_shape):\n    return keras.Sequential(["
     "keras.Input(shape=input_shape), layers.MaxPooling2D((2, 2)), "
     "layers.Conv2D(32, (5, 5), activation='relu'), "
     "layers.Conv2D(64, (5, 5), activation='relu'), layers.MaxPooling2D((2, 2)), "
     "layers.Flatten(), layers.Dense(1024, activation='relu'), "
     "layers.Dense(10, activation='softmax')])",
     "build_cnn_model: expected 7 layers (Conv2D, MaxPooling2D, Conv2D, MaxPooling2D, Flatten, "
     "Dense, Dense), found 7 (MaxPooling2D, Conv2D, Conv2D, MaxPooling2D, Flatten, Dense, "
     "Dense). Problem: unexpected layer 1 (MaxPooling2D (2, 2)); missing layer 2 "
     "(MaxPooling2D (2, 2))."),
    ("predicted_classes", "def predicted_classes(model, images):\n"
                          "    return model.predict(images, verbose=0)",
     "predicted_classes: expected one class per image, shape (500,), found shape (500, 10). "
     "Take the argmax of model.predict(...) over the last axis."),
    ("predicted_classes", "def predicted_classes(model, images):\n"
                          "    return model.predict_classes(images)",
     "predicted_classes: Keras 3 models have no predict_classes: take "
     "np.argmax(model.predict(images), axis=1)."),
    ("build_dense_model", "def build_dense_model(input_shape):\n    return keras.Sequential(["
     "keras.Input(shape=(28, 28, 1)), layers.Flatten(), layers.Dense(512, activation='relu'),"
     " layers.Dense(512, activation='relu'), layers.Dense(10, activation='softmax')])",
     "build_dense_model: expected a model whose input is the input_shape it is given: called "
     "with (32, 32, 1), an input of (32, 32, 1), found an input of (28, 28, 1). The model "
     "ignores its input_shape argument: use keras.Input(shape=input_shape) instead of a fixed "
     "shape."),
    ("build_cnn_model", "def build_cnn_model(input_shape):\n    return keras.Sequential(["
     "keras.Input(shape=input_shape), layers.Conv2D(32, (5, 5), activation='ReLU'), "
     "layers.MaxPooling2D((2, 2)), layers.Conv2D(64, (5, 5), activation='relu'), "
     "layers.MaxPooling2D((2, 2)), layers.Flatten(), layers.Dense(1024, activation='relu'), "
     "layers.Dense(10, activation='Softmax')])",
     "build_cnn_model: activation 'ReLU' is not a Keras 3 name; use 'relu'."),
    ("compile_model", "OPTIMIZER = keras.optimizers.RMSprop()\ndef compile_model(model):\n"
     "    model.compile(optimizer=OPTIMIZER, loss='categorical_crossentropy', "
     "metrics=['accuracy'])",
     "compile_model: expected a new optimizer for each model it compiles, found one optimizer "
     "object given to two models. Keras 3 cannot train a second model with it: create the "
     "optimizer inside compile_model, e.g. optimizer='rmsprop'."),
    ("compile_model", "def compile_model(model):\n    model.compile(optimizer='rmsprop', "
     "loss='categorical_crossentropy', "
     "metrics=[keras.metrics.SparseCategoricalAccuracy()])",
     "compile_model: metrics: expected accuracy as the only metric, found "
     "SparseCategoricalAccuracy(). It expects integer labels, and these labels are one-hot: "
     "use metrics=['accuracy']."),
    ("holdout_accuracy", "def holdout_accuracy(model, images, targets):\n"
                         "    p = np.argmax(model.predict(images, verbose=0), axis=1)\n"
                         "    return 100 * accuracy_score(np.argmax(targets, axis=1), p)",
     "holdout_accuracy: expected the accuracy 0.0800, found 8.0000. Return a fraction between "
     "0 and 1, not a percentage."),
])
def test_wrong_functions_get_one_plain_message(function, code, message):
    result = judge(function, {function: code})
    assert result.score == 0
    assert result.messages == [message]


def test_cnn_training_must_beat_the_dense_network():
    """The comparison uses both trained models, measured by the grader (tiny training here)."""
    bench = Workbench()
    state = {}
    dense = workbench.build_model(keras_digits.DENSE)
    keras_digits.reference_compile(dense)
    dense.fit(bench.x_train[:3000], bench.one_hot_train[:3000], epochs=2, verbose=0)
    state["train_dense_model"] = dense
    ns = solution_namespace("keras_digits", {"train_cnn_model": (
        "def train_cnn_model(model, images, targets):\n"
        "    return model.fit(images[:64], targets[:64], epochs=1, verbose=0)")})
    result = keras_digits.probe("train_cnn_model", ns, bench, state)
    checks = dict((name, thunk) for name, thunk, _ in keras_digits.verify(result, bench))
    with pytest.raises(Exception, match="expected a higher test accuracy than the dense "
                                        r"network's 0\.\d{4}, found 0\.\d{4}"):
        checks["beats the dense network"]()


@pytest.mark.parametrize("code", [
    "def compile_model(model):\n    model.compile(optimizer=keras.optimizers.RMSprop(), "
    "loss=keras.losses.CategoricalCrossentropy(), metrics=[keras.metrics.CategoricalAccuracy()])",
    "def compile_model(model):\n    model.compile(optimizer='RMSprop', "
    "loss=keras.losses.categorical_crossentropy, metrics=['acc'])",
    "def compile_model(model):\n    model.compile(optimizer='rmsprop', "
    "loss='categorical_crossentropy', metrics=['categorical_accuracy'])",
])
def test_every_spelling_of_the_compile_settings_passes(code):
    assert judge("compile_model", {"compile_model": code}).messages == []
