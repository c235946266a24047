"""Late submissions: how late, and the points it costs under the course's late policy.

Times are naive datetimes in UTC, as nbgrader keeps them (``nbgrader.utils.parse_utc``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import course_config

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Lateness:
    """When an assignment was due and submitted, and what the delay costs."""

    due: datetime | None  # the assignment's due date (UTC), None when it has none
    submitted: datetime | None  # nbgrader's timestamp, None when unknown
    late_by: timedelta  # zero when on time, within grace, or unknown
    penalty: float  # points taken off the score (>= 0, never more than the score)

    @property
    def is_late(self) -> bool:
        return self.late_by > timedelta(0)


def due_date(assignment: str) -> datetime | None:
    """The assignment's due date from course_config (UTC), None when it has none."""
    from nbgrader.utils import parse_utc

    due = course_config.ASSIGNMENTS[assignment].due
    return parse_utc(due) if due else None


def lateness(assignment: str, timestamp: str | None, score: float, max_score: float) -> Lateness:
    """How late a submission of ``score`` out of ``max_score`` points was, and its penalty."""
    from nbgrader.utils import parse_utc

    policy = course_config.LATE_POLICY
    due = due_date(assignment)
    submitted = parse_utc(timestamp) if timestamp else None
    if due is None or submitted is None:
        return Lateness(due, submitted, timedelta(0), 0.0)
    late_by = submitted - due
    if late_by <= timedelta(minutes=policy.grace_minutes):
        return Lateness(due, submitted, timedelta(0), 0.0)
    fraction = min(policy.max_penalty, math.ceil(late_by / DAY) * policy.penalty_per_day)
    return Lateness(due, submitted, late_by, min(score, round(fraction * max_score, 2)))


def describe(late: Lateness) -> str:
    """One plain sentence for a late submission, e.g. "Submitted 1 day 3 h late: -0.7 points
    (10 % of the maximum per started day, at most 50 %)."; empty when it was not late."""
    if not late.is_late:
        return ""
    policy = course_config.LATE_POLICY
    if not late.penalty:
        return f"Submitted {duration(late.late_by)} late: no points taken off, as the score is 0."
    return (f"Submitted {duration(late.late_by)} late: -{late.penalty:g} points "
            f"({policy.penalty_per_day * 100:g} % of the maximum per started day, "
            f"at most {policy.max_penalty * 100:g} %).")


def duration(delay: timedelta) -> str:
    """A delay in words, to the minute and at most two units: "2 days 3 h", "1 h 5 min"."""
    minutes = max(1, math.ceil(delay.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} day{'s' if days > 1 else ''}" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes and not days else ""]
    return " ".join(part for part in parts if part)
