"""``autograder calibrate``: by how much the instructor solution clears each threshold, per seed.

The solution's functions run in this process (the instructor's own code). Each training function
is trained once per seed exactly as grading trains it, and every threshold check is measured by
the grader on the held-out test images. A threshold that the worst seed clears by less than
``course_config.THRESHOLD_MARGIN_SE`` standard errors could fail a correct student on a machine
whose CPU trains slightly different weights: release refuses it (``release.verify_solution``).
"""

from __future__ import annotations

import contextlib
import io
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

import course_config
from autograder import assignments
from autograder.checks.results import run_checks
from autograder.checks.thresholds import Measure, measures
from autograder.verdicts import error_message
from autograder.workbench import Workbench


@dataclass(frozen=True)
class Row:
    """One threshold over all seeds: what the grader measured on each."""

    label: str
    values: tuple[float, ...]
    standard_error: float
    worst_margin_se: float
    at_least: bool

    @property
    def enough(self) -> bool:
        return self.worst_margin_se >= course_config.THRESHOLD_MARGIN_SE


def solution_namespace(source: Path, replace: dict[str, str] | None = None) -> dict:
    """Run the imports cell and every solution cell of a source notebook in a fresh namespace.

    ``replace`` maps a cell's grade id to other code for it (a defect under test).
    """
    ns: dict = {}
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("grade_id") == "imports" or meta.get("solution")):
            exec((replace or {}).get(meta["grade_id"], cell.source), ns)  # noqa: S102 - ours
    return ns


class CalibrationError(RuntimeError):
    """The solution fails a check that is not a threshold: no margin can be measured."""


def measure_seed(assignment: str, ns: dict, bench: Workbench) -> list[Measure]:
    """Train every training function of ``ns`` once, seeded with ``bench.seed``; its measures
    (those below their threshold included)."""
    module, state, found = assignments.get(assignment), {}, []
    for function in module.FUNCTIONS:
        if function not in module.TRAINS:
            continue
        with contextlib.redirect_stdout(io.StringIO()):  # the solution's own fit logs
            probe = module.probe(function, ns, bench, state)
        if probe.error:
            raise CalibrationError(f"seed {bench.seed}: {error_message(function, probe.error)}")
        for result in run_checks(function, module.verify(probe, bench)):
            measured = measures(result.details)
            if not (result.passed or measured):
                raise CalibrationError(f"seed {bench.seed}: {result.message}")
            found += measured
    return found


def calibrate(source: Path, assignment: str, seeds: int,
              advance: Callable[[], None] = lambda: None) -> list[Row]:
    """Measure every threshold of ``assignment`` over ``seeds`` seeds (0, 1, ...)."""
    from autograder.notebook import prepare_grading

    prepare_grading()
    ns, bench = solution_namespace(source), Workbench(hold_out=True)
    by_label: dict[str, list[Measure]] = {}
    for seed in range(seeds):
        bench.seed = seed
        for measure in measure_seed(assignment, ns, bench):
            by_label.setdefault(measure.label, []).append(measure)
        advance()
    return [Row(label, tuple(m.value for m in found), found[0].standard_error,
                min(m.margin_se for m in found), found[0].at_least)
            for label, found in by_label.items()]


def table(assignment: str, rows: list[Row], seeds: int):
    """The calibration as a rich table, one row per threshold."""
    from rich.table import Table

    out = Table(title=f"{assignment}: the solution over {seeds} seeds, measured on held-out "
                      f"test images (margin needed: {course_config.THRESHOLD_MARGIN_SE:g} SE)")
    for column in ("threshold", "min", "median", "max", "SE", "worst seed's margin"):
        out.add_column(column, justify="left" if column == "threshold" else "right",
                       overflow="fold")
    for row in rows:
        shown = [_fmt(v, row.at_least) for v in
                 (min(row.values), statistics.median(row.values), max(row.values))]
        error = f"{row.standard_error:.4f}" if row.at_least else f"{row.standard_error:.1f}"
        margin = "inf" if math.isinf(row.worst_margin_se) else f"{row.worst_margin_se:.1f} SE"
        out.add_row(row.label, *shown, error, f"{margin} {'ok' if row.enough else 'TOO THIN'}")
    return out


def _fmt(value: float, at_least: bool) -> str:
    return f"{value:.4f}" if at_least else f"{value:g}"
