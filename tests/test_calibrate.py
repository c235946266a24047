"""`autograder calibrate`: the solution trained per seed, every threshold's margin measured."""

import math
import re

import pytest

import course_config
from autograder import cli
from autograder.calibrate import calibrate
from tests.conftest import REPO, SAMPLE_THRESHOLDS, training_on_sample

pytestmark = pytest.mark.slow
SOURCE = REPO / course_config.SOURCE_DIR / "cnn_mnist" / "cnn_mnist.ipynb"


def test_each_seed_trains_its_own_model_and_the_worst_sets_the_margin(mnist_sample):
    with training_on_sample("cnn_mnist", mnist_sample):
        [row] = calibrate(SOURCE, "cnn_mnist", 2)
    threshold = SAMPLE_THRESHOLDS["cnn_mnist"]["min_test_accuracy"]
    assert row.label == f"train_model: test accuracy >= {threshold:g}"
    assert len(row.values) == 2 and row.values[0] != row.values[1]  # two seeds, two models
    assert row.standard_error == pytest.approx(math.sqrt(threshold * (1 - threshold) / 5000))
    assert row.worst_margin_se == pytest.approx((min(row.values) - threshold)
                                                / row.standard_error)
    assert row.enough  # the sample's threshold has its margin


def test_the_command_prints_the_table_and_fails_on_a_thin_margin(mnist_sample, monkeypatch,
                                                                  capsys):
    monkeypatch.setattr(course_config, "THRESHOLD_MARGIN_SE", 1000.0)
    with training_on_sample("cnn_mnist", mnist_sample):
        assert cli.main(["calibrate", "cnn_mnist", "--seeds", "1"]) == 1
    out, err = capsys.readouterr()
    assert "cnn_mnist: the solution over 1 seeds, measured on held-out test images (margin " \
           "needed: 1000 SE)" in out
    assert re.search(r"│ train_model: test accuracy >= 0\.92 +│ 0\.\d{4} │ 0\.\d{4} │ 0\.\d{4} │ "
                     r"0\.0038 │ +\d+\.\d SE TOO THIN │", out), out
    assert err == ("1 threshold(s) cleared by less than 1000 standard errors: train_model: test "
                   "accuracy >= 0.92. Train the solution further or move the threshold in "
                   "course_config.py; release refuses until then.\n")
