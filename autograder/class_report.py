"""The instructors' class report of one assignment: data first (``summarize``), then HTML.

Totals come from the gradebook (they include hand-graded answers); what each check found comes
from the stored ``results.json`` of every graded submission.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from jinja2 import Environment

import course_config
from autograder import gradebook, late, render, report_plots
from autograder.course import Course
from autograder.grading.record import messages

PLOTS = {"scores": "score_distribution.png", "checks": "check_pass_rates.png",
         "times": "grading_times.png"}


@dataclass(frozen=True)
class StudentRow:
    """One graded submission."""

    student: str
    total: float  # the gradebook's total, hand-graded answers included
    score: float  # the automatic score in results.json
    max_score: float  # the automatic points
    seconds: float  # grading time
    timestamp: str | None  # nbgrader's submission time
    problem: str  # why it could not run, else its first failure message, else ""


@dataclass(frozen=True)
class CheckRate:
    """How one check (a function's check, by name) fared across the graded submissions."""

    function: str
    name: str
    hidden: bool
    passed: int
    ran: int  # submissions in which it ran
    not_reached: int  # graded submissions in which it did not run

    @property
    def rate(self) -> float:
        """Passed over ran; 0 for a check that never ran."""
        return self.passed / self.ran if self.ran else 0.0


@dataclass(frozen=True)
class LateRow:
    """A submission made after its due time (and grace), with its penalty."""

    student: str
    submitted: datetime
    due: datetime
    late_by: timedelta
    penalty: float
    total: float
    after_penalty: float


@dataclass(frozen=True)
class ClassSummary:
    """Everything the report shows, as data."""

    assignment: str
    max_total: float  # automatic and hand-graded points
    rows: list[StudentRow]
    totals: dict[str, float]  # the gradebook's, by student
    checks: list[CheckRate]
    messages: list[tuple[str, int]]  # failure messages and notes, most frequent first
    failed: dict[str, str]  # student -> why the last grading failed
    late: list[LateRow]
    policy: str  # the late policy, in one line

    @property
    def median_seconds(self) -> float:
        return statistics.median(row.seconds for row in self.rows) if self.rows else 0.0

    @property
    def slowest(self) -> StudentRow | None:
        return max(self.rows, key=lambda row: row.seconds, default=None)

    @property
    def median_total(self) -> float:
        return statistics.median(self.totals.values()) if self.totals else 0.0


def _stored(course: Course, assignment: str) -> list[dict]:
    return [json.loads(path.read_text()) for path in course.stored_results(assignment)]


def _check_rates(results: list[dict]) -> list[CheckRate]:
    """Checks grouped by function (in the assignment's order), each in the order first seen."""
    counts: dict[tuple[str, str], list] = {}  # (function, name) -> [hidden, passed, ran]
    for result in results:
        for function in result["functions"]:
            for check in function["checks"]:
                entry = counts.setdefault((function["function"], check["name"]),
                                          [check["hidden"], 0, 0])
                entry[1] += check["passed"]
                entry[2] += 1
    order = list(dict.fromkeys(f["function"] for r in results for f in r["functions"]))
    keys = sorted(counts, key=lambda key: order.index(key[0]))  # stable within a function
    return [CheckRate(f, name, counts[f, name][0], counts[f, name][1], counts[f, name][2],
                      len(results) - counts[f, name][2]) for f, name in keys]


def _late_rows(assignment: str, rows: list[StudentRow]) -> list[LateRow]:
    """Late submissions, with the penalty the gradebook records (on the automatic score)."""
    found = []
    for row in rows:
        when = late.lateness(assignment, row.timestamp, row.score, row.max_score)
        if when.is_late:
            found.append(LateRow(row.student, when.submitted, when.due, when.late_by,
                                 when.penalty, row.total, row.total - when.penalty))
    return found


def summarize(course: Course, assignment: str) -> ClassSummary:
    """Read every stored result, the gradebook and the failures of the last runs."""
    config = course_config.ASSIGNMENTS[assignment]
    results = _stored(course, assignment)
    totals = gradebook.scores(assignment, course.db_url) if results else {}
    rows = [StudentRow(r["student"], totals[r["student"]], r["score"], r["max_score"],
                       r["seconds"], r.get("timestamp"),  # older results lack it
                       r["problem"] or next((m for f in r["functions"] for m in messages(f)), ""))
            for r in results]
    counted = Counter(m for r in results for f in r["functions"] for m in messages(f))
    failures = course.failures_json(assignment)
    max_total = sum(config.points.values()) + sum(config.manual.values())
    return ClassSummary(
        assignment, max_total, rows, totals, _check_rates(results),
        sorted(counted.items(), key=lambda item: (-item[1], item[0])),
        json.loads(failures.read_text()) if failures.exists() else {},
        _late_rows(assignment, rows), policy_line(assignment))


def policy_line(assignment: str) -> str:
    """The due date and the late policy, in one line."""
    due = late.due_date(assignment)
    if due is None:
        return "no due date: no submission is late."
    policy = course_config.LATE_POLICY
    return (f"due {due:%Y-%m-%d %H:%M} UTC, {policy.grace_minutes:g} min of grace; then "
            f"{policy.penalty_per_day * 100:g} % of the maximum automatic score off per started "
            f"day, at most {policy.max_penalty * 100:g} %, never more than the score.")


def _environment() -> Environment:
    return render.html_templates(duration=late.duration,
                                 utc=lambda when: when.strftime("%Y-%m-%d %H:%M UTC"))


def render_report(summary: ClassSummary, folder: Path) -> Path:
    """Write ``folder/index.html`` and the PNG plots it shows, by relative links."""
    folder.mkdir(parents=True, exist_ok=True)
    report_plots.score_histogram(list(summary.totals.values()), summary.max_total,
                                 folder / PLOTS["scores"])
    report_plots.pass_rates([f"{c.function}: {c.name}" for c in summary.checks],
                            [c.rate for c in summary.checks], folder / PLOTS["checks"])
    report_plots.grading_times([r.student for r in summary.rows],
                               [r.seconds for r in summary.rows], folder / PLOTS["times"])
    html = _environment().get_template("class_report.html.j2").render(s=summary, plots=PLOTS)
    path = folder / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def write_report(course: Course, assignment: str) -> Path:
    """Write ``course.reports(assignment)/index.html`` and its PNG plots beside it."""
    return render_report(summarize(course, assignment), course.reports(assignment))


def one_line(summary: ClassSummary) -> str:
    """The report in one line, for the terminal."""
    return (f"{summary.assignment}: {len(summary.rows)} graded, median total "
            f"{summary.median_total:g}/{summary.max_total:g}, {len(summary.failed)} failed to "
            f"grade, {len(summary.late)} late; median grading time {summary.median_seconds:.0f} s")


def report_command(course: Course, assignment: str) -> int:
    """``autograder report ASSIGNMENT``: write the report, say where it went and sum it up."""
    if not _stored(course, assignment) and not course.failures_json(assignment).exists():
        print(f"nothing of {assignment} has been graded in {course.root} yet: no report")
        return 1
    summary = summarize(course, assignment)
    path = render_report(summary, course.reports(assignment))
    print(one_line(summary))
    print(f"report: {path}")
    return 0
