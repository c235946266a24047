"""Checks on augmentation layers, from plain (class name, config) pairs: exact messages."""

import numpy as np
import pytest

from autograder.checks import augmentation
from autograder.checks.results import CheckFailure

GOOD = [("RandomRotation", {"factor": 0.03}),
        ("RandomTranslation", {"height_factor": 0.05, "width_factor": 0.05}),
        ("RandomZoom", {"height_factor": 0.05, "width_factor": None})]
WANTED = ("RandomRotation", "RandomTranslation", "RandomZoom")
LIMITS = {"RandomRotation": {"factor": 0.1},
          "RandomTranslation": {"height_factor": 0.2, "width_factor": 0.2},
          "RandomZoom": {"height_factor": 0.2, "width_factor": 0.2}}


def message(check, *args) -> str:
    with pytest.raises(CheckFailure) as failure:
        check(*args)
    return failure.value.message


def test_layer_list_reads_a_sequential_payload_without_the_input_layer():
    zoom = {"class_name": "RandomZoom", "config": {"height_factor": 0.1}}
    payload = {"config": {"layers": [{"class_name": "InputLayer", "config": {}}, zoom]}}
    assert augmentation.layer_list(payload) == [("RandomZoom", {"height_factor": 0.1})]
    assert augmentation.layer_list({"type": "NoneType"}) == []


def test_good_layers_pass_every_check():
    augmentation.check_no_flips("f", GOOD)
    augmentation.check_kinds("f", GOOD, WANTED)
    augmentation.check_factors("f", GOOD, LIMITS)
    augmentation.check_before_first("f", [*GOOD, ("Conv2D", {})], WANTED)


def test_a_flip_is_named_with_its_position_and_why():
    layers = [GOOD[0], ("RandomFlip", {"mode": "horizontal"}), *GOOD[1:]]
    assert message(augmentation.check_no_flips, "f", layers) == (
        "f: expected no RandomFlip layer, found RandomFlip as layer 2. A mirrored 2, 3 or 7 is "
        "not a digit any more: leave flips out.")


def test_missing_and_unwanted_kinds_are_listed():
    layers = [GOOD[0], ("RandomContrast", {"factor": 0.1}), GOOD[2]]
    assert message(augmentation.check_kinds, "f", layers, WANTED) == (
        "f: expected the layers RandomRotation, RandomTranslation, RandomZoom, found "
        "RandomRotation, RandomContrast, RandomZoom. Missing: RandomTranslation. Not wanted "
        "here: RandomContrast.")
    assert message(augmentation.check_kinds, "f", [*GOOD, GOOD[0]], WANTED) == (
        "f: expected the layers RandomRotation, RandomTranslation, RandomZoom, found "
        "RandomRotation, RandomTranslation, RandomZoom, RandomRotation.")


@pytest.mark.parametrize(("layer", "expected"), [
    (("RandomRotation", {"factor": [-0.5, 0.5]}),
     "f: RandomRotation: expected factor of at most 0.1, found [-0.5, 0.5]."),
    (("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.3}),
     "f: RandomTranslation: expected width_factor of at most 0.2, found 0.3."),
])
def test_a_factor_over_its_limit_is_named(layer, expected):
    assert message(augmentation.check_factors, "f", [layer], LIMITS) == (
        f"{expected} Digits changed that much become hard to read, even for a person.")


def test_the_largest_amount_of_a_factor():
    assert augmentation.largest((-0.2, 0.1)) == 0.2
    assert augmentation.largest(0.05) == 0.05
    assert augmentation.largest("wide") == 0.0


def test_layers_that_change_images_at_inference_fail():
    images = np.zeros((2, 28, 28, 1), "float32")
    augmentation.check_inactive_at_inference("f", images, images.copy())
    assert message(augmentation.check_inactive_at_inference, "f", images, images + 1) == (
        "f: expected layers that leave images unchanged at inference, found changed images "
        "with training=False.")


def test_augmentation_after_the_first_convolution_is_named():
    layers = [("Conv2D", {}), *GOOD, ("Dense", {})]
    assert message(augmentation.check_before_first, "f", layers, WANTED) == (
        "f: expected augmentation layers before the first Conv2D, found the layers Conv2D "
        "first.")
