"""What a threshold check measured, and by how many standard errors the measure clears it.

A check on a trained model (an accuracy of at least 0.975, fewer than 50 mistakes) returns a
``Measure`` in its details. Release and ``autograder calibrate`` read those measures on the
instructor's solution: a threshold that the solution clears by less than
``course_config.THRESHOLD_MARGIN_SE`` standard errors could fail a correct student on a machine
whose CPU trains slightly different weights.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

KEY = "threshold"  # the key of a Measure in a check's details


@dataclass(frozen=True)
class Measure:
    """A measure of the grader's (``value``), its threshold (``bound``) and its sample size.

    ``at_least``: the value must be at least the bound (an accuracy); otherwise it must be below
    it (a count of mistakes, ``of`` test images).
    """

    function: str
    name: str
    value: float
    bound: float
    of: int
    at_least: bool = True

    @property
    def label(self) -> str:
        return f"{self.function}: {self.name} {'>=' if self.at_least else '<'} {self.bound:g}"

    @property
    def standard_error(self) -> float:
        """The standard error of the measure on ``of`` images, at the threshold itself.

        An accuracy p on n images has sqrt(p(1-p)/n); a count of mistakes, n times that of the
        error rate. Taken at the bound, it is the same for every seed and machine.
        """
        if self.of <= 0:
            return math.nan
        rate = self.bound if self.at_least else self.bound / self.of
        spread = math.sqrt(max(rate * (1 - rate), 0.0) / self.of)
        return spread if self.at_least else spread * self.of

    @property
    def margin(self) -> float:
        """How far the value is on the passing side of the bound (negative: it fails)."""
        return self.value - self.bound if self.at_least else self.bound - self.value

    @property
    def margin_se(self) -> float:
        """The margin in standard errors."""
        error = self.standard_error
        return self.margin / error if error > 0 else math.inf

    def details(self) -> dict:
        """The measure as a check's details (plain data, kept with the results)."""
        return {KEY: asdict(self)}


def measures(details: dict) -> list[Measure]:
    """The Measure a check's details hold, if any (as a list: none or one)."""
    found = details.get(KEY) if isinstance(details, dict) else None
    return [Measure(**found)] if isinstance(found, dict) else []


def thin(assignment: str, found: list[Measure], margin_se: float) -> list[str]:
    """One plain sentence for each measure that clears its threshold by less than the margin."""
    return [f"{m.label}: the solution measured {_show(m)}, {m.margin_se:.1f} standard errors "
            f"from the threshold (one standard error is {_show_error(m)} on {m.of:,} held-out "
            f"images); at least {margin_se:g} are needed. Train the solution further, or move "
            f"the threshold to {_show_bound(m, margin_se)} or "
            f"{'below' if m.at_least else 'above'} in course_config.py, then run "
            f"`autograder calibrate {assignment}`."
            for m in found if not m.margin_se >= margin_se]


def _show(m: Measure) -> str:
    return f"{m.value:.4f}" if m.at_least else f"{m.value:g}"


def _show_error(m: Measure) -> str:
    return f"{m.standard_error:.4f}" if m.at_least else f"{m.standard_error:.1f}"


def _show_bound(m: Measure, margin_se: float) -> str:
    """The loosest bound that the measured value clears by ``margin_se`` standard errors."""
    room = margin_se * m.standard_error
    if m.at_least:
        return f"{math.floor((m.value - room) * 1000) / 1000:g}"
    count = math.ceil(m.value + room)  # course_config states counts per 10,000 test images
    return f"{math.ceil(count * 10_000 / m.of):g} per 10,000 ({count} of {m.of:,})"
