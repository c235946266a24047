"""The late policy: 15 min grace, 10 % of the maximum per started day, at most 50 %."""

from datetime import datetime, timedelta

import pytest

import course_config
from autograder.late import Lateness, describe, duration, lateness

DUE = datetime(2026, 10, 16, 23, 59)  # cnn_mnist's due date in course_config


def test_the_course_policy_and_due_date_are_the_ones_tested_here():
    policy = course_config.LATE_POLICY
    assert (policy.grace_minutes, policy.penalty_per_day, policy.max_penalty) == (15, 0.1, 0.5)
    assert course_config.ASSIGNMENTS["cnn_mnist"].due == "2026-10-16 23:59:00 UTC"


@pytest.mark.parametrize(("timestamp", "late_by", "penalty"), [
    ("2026-10-16 20:00:00", timedelta(0), 0.0),  # on time
    ("2026-10-16 23:59:00", timedelta(0), 0.0),  # on the minute
    ("2026-10-17 00:14:00", timedelta(0), 0.0),  # within the 15 minutes of grace
    ("2026-10-17 00:14:01", timedelta(minutes=15, seconds=1), 0.7),  # just past grace: 1 day
    ("2026-10-17 00:59:00", timedelta(hours=1), 0.7),  # 1 h late: 10 % of 7
    ("2026-10-19 23:59:00", timedelta(days=3), 2.1),  # 3 days late: 30 %
    ("2026-10-20 00:59:00", timedelta(days=3, hours=1), 2.8),  # a fourth day started: 40 %
    ("2026-10-25 12:00:00", timedelta(days=8, hours=12, minutes=1), 3.5),  # capped at 50 %
])
def test_penalty_per_started_day_after_grace(timestamp, late_by, penalty):
    assert lateness("cnn_mnist", timestamp, 7, 7) == Lateness(
        DUE, datetime.fromisoformat(timestamp), late_by, penalty)


def test_times_in_other_zones_are_compared_in_utc():
    late = lateness("cnn_mnist", "2026-10-16 18:30:00 America/Los_Angeles", 7, 7)  # 01:30 UTC
    assert (late.late_by, late.penalty) == (timedelta(hours=1, minutes=31), 0.7)


def test_penalty_is_on_the_maximum_but_never_more_than_the_score():
    assert lateness("cnn_mnist", "2026-10-19 23:59:00", 5, 7).penalty == 2.1
    assert lateness("cnn_mnist", "2026-10-19 23:59:00", 1, 7).penalty == 1
    zero = lateness("cnn_mnist", "2026-10-19 23:59:00", 0, 7)
    assert zero.is_late and zero.penalty == 0


def test_no_timestamp_is_never_late():
    late = lateness("cnn_mnist", None, 7, 7)
    assert late == Lateness(DUE, None, timedelta(0), 0.0)
    assert not late.is_late and describe(late) == ""


def test_an_assignment_without_due_date_is_never_late(monkeypatch):
    config = course_config.ASSIGNMENTS["cnn_mnist"]
    monkeypatch.setitem(course_config.ASSIGNMENTS, "cnn_mnist",
                        course_config.Assignment(config.name, config.notebook, config.points))
    late = lateness("cnn_mnist", "2030-01-01 00:00:00", 7, 7)
    assert late == Lateness(None, datetime(2030, 1, 1), timedelta(0), 0.0)
    assert not late.is_late


def test_description_is_one_plain_sentence():
    assert describe(lateness("cnn_mnist", "2026-10-18 03:00:00", 7, 7)) == (
        "Submitted 1 day 3 h late: -1.4 points (10 % of the maximum per started day, "
        "at most 50 %).")
    assert describe(lateness("cnn_mnist", "2026-10-17 00:59:00", 0, 7)) == (
        "Submitted 1 h late: no points taken off, as the score is 0.")


@pytest.mark.parametrize(("delay", "words"), [
    (timedelta(seconds=20), "1 min"),
    (timedelta(minutes=16), "16 min"),
    (timedelta(hours=3, minutes=5), "3 h 5 min"),
    (timedelta(days=1), "1 day"),
    (timedelta(days=2, hours=4, minutes=30), "2 days 4 h"),
])
def test_duration_in_words(delay, words):
    assert duration(delay) == words
