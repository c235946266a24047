"""Stage ``verify``: verdicts in the grader's process, from plain data the kernel handed back."""

from __future__ import annotations

from pathlib import Path

import nbformat

import course_config
from autograder import assignments, probe, verdicts
from autograder.checks.results import FunctionResult
from autograder.grading.execute import ExecutionLog
from autograder.workbench import Workbench


def _cell_index(nb: nbformat.NotebookNode, grade_id: str) -> int | None:
    for index, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    return None


def _why_unchecked(function: str, nb, log: ExecutionLog) -> str:
    index = _cell_index(nb, f"test_{function}")
    if index is not None and index in log.errors:
        return f"{function} was not checked: its check cell failed ({log.errors[index]})."
    if log.stopped:
        return f"{function} was not checked: {log.stopped}."
    return f"{function} was not checked: its check cell did not run."


def _why_missing(function: str, nb, log: ExecutionLog) -> str:
    """If the cell defining a function failed, say so: it is why the function is missing."""
    index = _cell_index(nb, function)
    if index is not None and index in log.errors:
        return (f"{function} is not defined because the cell that defines it failed with "
                f"{log.errors[index]}.")
    return ""


def verify(assignment: str, nb: nbformat.NotebookNode, log: ExecutionLog, probe_dir: Path,
           bench: Workbench, include_hidden: bool = True) -> list[FunctionResult]:
    """One FunctionResult per graded function of ``assignment``."""
    module = assignments.get(assignment)
    points = course_config.ASSIGNMENTS[assignment].points
    results = []
    for function in module.FUNCTIONS:
        try:
            found = probe.read(function, probe_dir, course_config.MAX_PROBE_FILE_BYTES)
        except (ValueError, OSError) as error:
            results.append(FunctionResult(function, points[function], [],
                                          note=f"{function} was not checked: {error}."))
            continue
        if found is None:
            results.append(FunctionResult(function, points[function], [],
                                          note=_why_unchecked(function, nb, log)))
            continue
        note = _why_missing(function, nb, log) if (found.error or {}).get("kind") == "missing" \
            else ""
        results.append(verdicts.judge(module, found, bench, points[function], note=note,
                                      include_hidden=include_hidden))
    return results
