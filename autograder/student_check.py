"""``autograder check NOTEBOOK``: a student's own run of the checks they can see.

Quick by default: only the notebook's setup cells, the definitions of its graded functions and
the check cells of functions that train nothing run, in seconds; ``full`` runs the whole
notebook, training included. Either way the table says which checks run only at grading time.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import course_config
from autograder import assignments, probe
from autograder.checks.results import FunctionResult
from autograder.course import Course
from autograder.grading import submissions
from autograder.grading.execute import execute
from autograder.grading.restore import restore
from autograder.grading.verify import verify
from autograder.notebook import prepare_grading
from autograder.workbench import Workbench


@dataclass
class StudentCheck:
    """Verdicts of the visible checks, and what runs later: hidden checks, training."""

    results: list[FunctionResult]
    at_grading: dict[str, list[str]] = field(default_factory=dict)  # function -> hidden checks
    trains: list[str] = field(default_factory=list)  # functions left out of a quick check

    @property
    def passed(self) -> bool:
        """All functions that were checked passed (those left out are not failures)."""
        return all(r.passed for r in self.results if r.function not in self.trains)


def guess_assignment(path: Path, nb: nbformat.NotebookNode) -> str:
    """The assignment whose notebook has this file's name, or whose checks the notebook uses."""
    for name, config in course_config.ASSIGNMENTS.items():
        if path.stem == config.notebook:
            return name
    for cell in nb.cells:
        found = re.search(r"""checks\(["'](\w+)["']\)""", cell.source)
        if found and found.group(1) in course_config.ASSIGNMENTS:
            return found.group(1)
    known = ", ".join(sorted(course_config.ASSIGNMENTS))
    raise SystemExit(f"cannot tell the assignment of {path.name}; pass --assignment ({known})")


def quick_cells(nb: nbformat.NotebookNode, trains: frozenset[str]) -> nbformat.NotebookNode:
    """The notebook without what trains: the code cells before the first answer cell (setup),
    every answer cell, and the check cells of functions not in ``trains``."""
    kept, answered = [], False
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        answered = answered or bool(meta.get("solution"))
        grade_id = meta.get("grade_id", "")
        is_check = grade_id.startswith("test_") and grade_id[5:] not in trains
        if cell.cell_type == "code" and (not answered or meta.get("solution") or is_check):
            kept.append(cell)
    quick = nbformat.from_dict(nb)
    quick.cells = kept
    return quick


def check_notebook(path: Path, assignment: str | None = None, course: Course | None = None,
                   full: bool = False) -> StudentCheck:
    """Run the notebook (quickly, or ``full``) with the release's visible checks."""
    course = course or Course.at()
    try:
        nb = submissions.load(path)
    except submissions.NotebookProblem as problem:
        raise SystemExit(str(problem)) from None
    assignment = assignment or guess_assignment(path, nb)
    module = assignments.get(assignment)
    nb, _ = restore(nb, nbformat.read(course.release(assignment), as_version=4))
    trains = frozenset() if full else module.TRAINS
    prepare_grading()
    bench = Workbench()
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        probe_dir = Path(tmp) / "probes"
        ran = quick_cells(nb, trains) if trains else nb
        log = execute(ran, path.resolve().parent, probe_dir, sandbox=False)
        results = verify(assignment, ran, log, probe_dir, bench, include_hidden=False)
        at_grading = {r.function: _hidden(module, r.function, probe_dir, bench)
                      for r in results if r.checks}
    for index, result in enumerate(results):
        if result.function in trains:
            results[index] = FunctionResult(
                result.function, result.max_points, [],
                note=f"{result.function} trains a network, so the quick check leaves it out: "
                     "run `autograder check --full` or wait for grading.")
    return StudentCheck(results, at_grading, sorted(trains & set(module.FUNCTIONS)))


def _hidden(module, function: str, probe_dir: Path, bench: Workbench) -> list[str]:
    """Names of a function's hidden checks (they run only when the notebook is graded)."""
    found = probe.read(function, probe_dir, course_config.MAX_PROBE_FILE_BYTES)
    if found is None or found.error:
        return []
    return [name for name, _, hidden in module.verify(found, bench) if hidden]
