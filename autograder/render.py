"""Results rendered for people: plain lines for a notebook, tables for the terminal."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import jinja2
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder.checks.results import FunctionResult

if TYPE_CHECKING:  # they import the grading stack, which the renderer does not need
    from autograder.grading.pipeline import GradingRun
    from autograder.student_check import StudentCheck


def _points(value: float) -> str:
    return f"{value:g}"


def function_lines(result: FunctionResult, hidden_left: int = 0) -> list[str]:
    """What a student sees under a test cell."""
    score = f"{_points(result.score)}/{_points(result.max_points)} points"
    if result.passed:
        lines = [f"✔ {result.function}: all {len(result.checks)} checks passed ({score})."]
    else:
        lines = [f"✘ {result.function}: {score}."] + [f"  {m}" for m in result.messages]
    if hidden_left:
        lines.append(f"  {hidden_left} more check(s) run when your notebook is graded.")
    return lines


def cell_text(result: FunctionResult) -> str:
    """The text put in a graded test cell's output in the autograded notebook."""
    return "\n".join(function_lines(result))


def _plain(text: str) -> Text:
    """Text as it is: what students wrote (names, messages quoting their errors) is never read
    as rich markup, so ``[/x]`` in it prints as written instead of stopping the command."""
    return Text(text)


def scores_table(title: str, rows: Sequence[tuple[str, Sequence[FunctionResult], str]]) -> Table:
    """One row per submission: each function's points, the total and any problem."""
    functions = [result.function for result in rows[0][1]] if rows else []
    table = Table(title=title)
    table.add_column("student")
    for function in functions:
        table.add_column(function, justify="right")
    table.add_column("total", justify="right")
    table.add_column("problems")
    for student, results, note in rows:
        cells = [_points(r.score) if r.passed else f"[red]{_points(r.score)}[/red]"
                 for r in results]
        total = sum(r.score for r in results)
        maximum = sum(r.max_points for r in results)
        problems = "; ".join(m for r in results for m in r.messages[:1])
        table.add_row(_plain(student), *cells, f"{_points(total)}/{_points(maximum)}",
                      _plain("; ".join(filter(None, [note, problems]))))
    return table


def checks_table(check: StudentCheck) -> Table:
    """Every check of every function, for ``autograder check``, and the checks that run only
    when the notebook is graded."""
    table = Table(title="Checks")
    for column in ("function", "check", "result", "message"):
        table.add_column(column)
    for result in check.results:
        if result.note:
            table.add_row(_plain(result.function), "-", "[yellow]not checked[/yellow]",
                          _plain(result.note))
        for item in result.checks:
            status = "[green]pass[/green]" if item.passed else "[red]fail[/red]"
            table.add_row(_plain(result.function), _plain(item.name), status,
                          _plain(item.message))
        for name in check.at_grading.get(result.function, []):
            table.add_row(result.function, name, "[blue]at grading[/blue]",
                          "a hidden check: it runs when your notebook is graded")
    return table


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def run_summary(outcome: GradingRun) -> list[str]:
    """The end of ``autograder grade``: counts, what failed to grade and why, time taken."""
    lines = [f"graded {len(outcome.reports)} submission(s) in {_duration(outcome.seconds)}"]
    if outcome.skipped:
        lines.append(f"{len(outcome.skipped)} already graded and unchanged, not graded again "
                     "(--regrade grades them again)")
    if outcome.failed:
        lines.append(f"failed to grade {len(outcome.failed)}:")
        lines += [f"  {student}: {why}" for student, why in sorted(outcome.failed.items())]
    if outcome.reports:
        slowest = max(outcome.reports, key=lambda report: report.seconds)
        median = statistics.median(report.seconds for report in outcome.reports)
        lines.append(f"time per submission: median {_duration(median)}, slowest "
                     f"{_duration(slowest.seconds)} ({slowest.student})")
    return lines


CONSOLE = Console(width=160)


def html_templates(**filters: Callable) -> jinja2.Environment:
    """The kit's HTML templates (autograder/templates), autoescaped, with ``points`` and these
    filters."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(points=_points, **filters)
    return env


def print_table(table: Table) -> None:
    CONSOLE.print(table)
