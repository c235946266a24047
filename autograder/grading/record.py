"""Stage ``record``: the autograded notebook, results as data, the gradebook and the CSV.

Files are written atomically (a temporary file, then a rename), so an interrupted run never
leaves half a grade behind; submissions themselves are only ever read.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import course_config
from autograder import gradebook, render
from autograder.checks.results import FunctionResult
from autograder.course import Course


@dataclass
class SubmissionReport:
    """Everything grading found out about one submission."""

    student: str
    results: list[FunctionResult]
    problem: str = ""  # why the submission could not be run at all, if so
    notes: list[str] = field(default_factory=list)  # what the grader restored or noticed
    seconds: float = 0.0
    timestamp: str | None = None
    key: dict | None = None  # the submission's content hash and the assignment's version
    evidence: dict = field(default_factory=dict)  # the student's run, for feedback plots

    @property
    def score(self) -> float:
        return sum(result.score for result in self.results)

    @property
    def max_score(self) -> float:
        return sum(result.max_points for result in self.results)

    def to_dict(self) -> dict:
        return {"student": self.student, "score": self.score, "max_score": self.max_score,
                "problem": self.problem, "notes": self.notes, "seconds": round(self.seconds, 1),
                "timestamp": self.timestamp,
                "functions": [result.to_dict() for result in self.results], "key": self.key,
                "evidence": self.evidence}


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def annotate(nb: nbformat.NotebookNode, results: list[FunctionResult]) -> None:
    """Put each function's verdict in the output of its test cell, in place of the kernel's."""
    by_cell = {f"test_{result.function}": result for result in results}
    for cell in nb.cells:
        result = by_cell.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if result is None:
            continue
        text = render.cell_text(result)
        if result.passed:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
        else:
            cell.outputs = [nbformat.v4.new_output("error", ename="CheckFailed", evalue=text,
                                                   traceback=text.splitlines())]


def record(course: Course, assignment: str, notebook: str, report: SubmissionReport,
           nb: nbformat.NotebookNode | None) -> None:
    """Write the autograded notebook, the scores into the gradebook, then the results.

    ``results.json`` carries the key that marks the grade done (see ledger), so it comes last:
    a run stopped before it leaves the submission to be graded again.
    """
    folder = course.autograded(assignment, report.student)
    if nb is not None:
        annotate(nb, report.results)
        write_atomic(folder / f"{notebook}.ipynb", nbformat.writes(nb))
    if report.timestamp:
        write_atomic(folder / "timestamp.txt", report.timestamp)
    gradebook.record(assignment, notebook, report.student, report.results, course.db_url,
                     report.timestamp, tuple(course_config.ASSIGNMENTS[assignment].manual))
    write_atomic(course.results(assignment, report.student),
                 json.dumps(report.to_dict(), indent=2))


def write_grades_csv(course: Course, assignment: str) -> Path:
    """One row per graded student (from every stored result, not just this run's): each
    function's points, the total, the maximum and the first problem found."""
    reports = [json.loads(path.read_text()) for path in course.stored_results(assignment)]
    functions = [f["function"] for f in reports[0]["functions"]] if reports else []
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_id", "assignment", *functions, "score", "max_score", "problem"])
    for report in reports:
        found = [m for f in report["functions"] for m in messages(f)]
        writer.writerow([report["student"], assignment,
                         *(f"{f['score']:g}" for f in report["functions"]),
                         f"{report['score']:g}", f"{report['max_score']:g}",
                         report["problem"] or next(iter(found), "")])
    path = course.grades_csv(assignment)
    write_atomic(path, buffer.getvalue())
    return path


def write_failures(course: Course, assignment: str, graded: list[str],
                   failed: dict[str, str]) -> None:
    """Keep the list of submissions whose last grading failed: add ``failed``, drop ``graded``."""
    path = course.failures_json(assignment)
    known = json.loads(path.read_text()) if path.exists() else {}
    known = {s: why for s, why in known.items() if s not in graded} | failed
    write_atomic(path, json.dumps(dict(sorted(known.items())), indent=2))


def messages(function: dict) -> list[str]:
    """A stored function result's plain messages: its note, then its failed checks'."""
    failed = [check["message"] for check in function["checks"] if not check["passed"]]
    return ([function["note"]] if function["note"] else []) + failed
