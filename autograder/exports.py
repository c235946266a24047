"""Gradebook exports: nbgrader's CSV, a CSV for Canvas and Moodle, and Gradescope results.

All scores come after the late penalty (see autograder.late). In Gradescope results the penalty
is a test of its own, "Late submission", worth minus the points taken off, so that the tests add
up to the top-level score.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

from autograder import gradebook
from autograder.course import Course
from autograder.grading.record import write_atomic
from autograder.late import describe, lateness

LMS_COLUMNS = ("student_id", "assignment", "score", "max_score")
# Gradescope shows each student the tests and the summary, never the autograder's own stdout.
GRADESCOPE_VISIBILITY, GRADESCOPE_STDOUT_VISIBILITY = "visible", "hidden"


def nbgrader_csv(course: Course, path: Path, assignment: str | None = None) -> Path:
    """nbgrader's own CSV export (its CsvExportPlugin) of every assignment, or of one."""
    from nbgrader.plugins import CsvExportPlugin

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    plugin = CsvExportPlugin(to=str(tmp), assignment=[assignment] if assignment else [])
    with gradebook.open_gradebook(course.db_url) as gb:
        plugin.export(gb)
    os.replace(tmp, path)
    return path


def lms_csv(course: Course, assignment: str, path: Path) -> Path:
    """One row per graded student, sorted by id, as Canvas and Moodle import grades: the score
    after the late penalty and the assignment's maximum (written answers included)."""
    with gradebook.open_gradebook(course.db_url) as gb:
        found = gb.find_assignment(assignment)
        maximum = found.max_score
        rows = sorted((s.student.id, max(0.0, s.score - s.late_submission_penalty))
                      for s in found.submissions)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LMS_COLUMNS)
    writer.writerows((student, assignment, _decimal(score), _decimal(maximum))
                     for student, score in rows)
    write_atomic(path, buffer.getvalue())
    return path


def gradescope_results(report: dict, assignment: str) -> dict:
    """Gradescope's results (https://gradescope-autograders.readthedocs.io/en/latest/specs/)
    from one results.json: a test per graded function, with the plain message of each failed
    check, then "Late submission" if it was late. Never code, tracebacks or measured details."""
    late = lateness(assignment, report["timestamp"], report["score"], report["max_score"])
    tests = [_test(function) for function in report["functions"]]
    if late.is_late:
        tests.append({"name": "Late submission", "name_format": "text", "score": 0.0 - late.penalty,
                      "max_score": 0.0, "status": "failed", "output": describe(late),
                      "visibility": GRADESCOPE_VISIBILITY})
    score = round(report["score"] - late.penalty, 2)
    problem = report["problem"] and f"Your notebook could not be graded: {report['problem']}."
    lines = [problem, f"Score: {score:g} of {report['max_score']:g} points.", describe(late),
             *(f"Note: {note}." for note in report["notes"])]
    return {"score": score, "execution_time": round(report["seconds"]),
            "output": "\n".join(line for line in lines if line),
            "visibility": GRADESCOPE_VISIBILITY,
            "stdout_visibility": GRADESCOPE_STDOUT_VISIBILITY, "tests": tests}


def export(course: Course, assignment: str) -> dict[str, Path]:
    """Write nbgrader.csv, lms.csv and gradescope/<student>/results.json (one per stored result)
    under the course's exports/<assignment>/; returns where each went."""
    folder = course.exports(assignment)
    lms = lms_csv(course, assignment, folder / "lms.csv")
    written = {"nbgrader": nbgrader_csv(course, folder / "nbgrader.csv", assignment), "lms": lms,
               "gradescope": folder / "gradescope"}
    shutil.rmtree(written["gradescope"], ignore_errors=True)  # no student left from an old export
    for stored in course.stored_results(assignment):
        report = json.loads(stored.read_text())
        write_atomic(written["gradescope"] / report["student"] / "results.json",
                     json.dumps(gradescope_results(report, assignment), indent=2))
    return written


def export_command(course: Course, assignment: str) -> int:
    """``autograder export ASSIGNMENT``: write the exports and say where they went."""
    from nbgrader.api import MissingEntry

    try:
        written = export(course, assignment)
    except MissingEntry:
        print(f"{assignment} has no grades in the gradebook yet: grade it first "
              f"(autograder grade {assignment})")
        return 1
    graded = list(written["gradescope"].glob("*/results.json"))
    print(f"exported {assignment}:")
    print(f"  nbgrader's CSV: {written['nbgrader']}")
    print(f"  Canvas / Moodle CSV: {written['lms']}")
    print(f"  Gradescope results of {len(graded)} student(s): "
          f"{written['gradescope']}/<student>/results.json")
    return 0


def _test(function: dict) -> dict:
    """One graded function as a Gradescope test: its points and what failed, in plain words."""
    checks = function["checks"]
    passed = bool(checks) and all(check["passed"] for check in checks) and not function["note"]
    lines = [function["note"]] if function["note"] else []
    lines += [f"{check['message']} (hidden check: {check['name']})" if check["hidden"]
              else check["message"] for check in checks if not check["passed"]]
    return {"name": function["function"], "name_format": "text",
            "score": float(function["score"]), "max_score": float(function["max_points"]),
            "status": "passed" if passed else "failed",
            "output": f"All {len(checks)} checks passed." if passed else "\n".join(lines),
            "visibility": GRADESCOPE_VISIBILITY}


def _decimal(value: float) -> str:
    """A number of points as a plain decimal, at most 2 places: 7, 6.3, 0.25."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
