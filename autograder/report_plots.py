"""The class report's plots, as PNG files (matplotlib's Agg canvas, no pyplot state to close)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BAR = "#4c72b0"


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def score_histogram(totals: Sequence[float], maximum: float, path: Path) -> Path:
    """How many students got each total, in half-point bins from 0 to ``maximum``."""
    figure = Figure(figsize=(7, 3.5))
    axes = figure.add_subplot()
    edges = np.arange(0, 2 * maximum + 2) / 2 - 0.25
    axes.hist(list(totals), bins=edges, color=BAR, edgecolor="white")
    axes.set_xticks(np.arange(0, maximum + 1))
    axes.set_xlim(-0.5, maximum + 0.5)
    axes.set_xlabel(f"total score (of {maximum:g}), from the gradebook")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _save(figure, path)


def pass_rates(labels: Sequence[str], rates: Sequence[float], path: Path) -> Path:
    """One horizontal bar per check: the share of submissions that reached it and passed."""
    figure = Figure(figsize=(9, 1 + 0.28 * max(len(labels), 1)))
    axes = figure.add_subplot()
    positions = np.arange(len(labels))
    axes.barh(positions, [100 * rate for rate in rates], color=BAR)
    axes.set_yticks(positions, labels, fontsize=8, parse_math=False)
    axes.invert_yaxis()  # the first check on top, as in the table
    axes.set_xlim(0, 100)
    axes.set_xlabel("passed, % of the submissions that reached the check")
    return _save(figure, path)


def grading_times(students: Sequence[str], seconds: Sequence[float], path: Path) -> Path:
    """One bar per graded submission: the seconds its grading took."""
    figure = Figure(figsize=(max(6, 0.4 * len(students) + 2), 3.8))
    axes = figure.add_subplot()
    positions = np.arange(len(students))
    axes.bar(positions, seconds, color=BAR)
    axes.set_xticks(positions, students, rotation=60, ha="right", fontsize=8,
                  parse_math=False)  # a "$" in a name is text, not TeX
    axes.set_ylabel("grading time (s)")
    return _save(figure, path)
