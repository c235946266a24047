"""``autograder check NOTEBOOK``: a student's own run of the checks they can see."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import nbformat

import course_config
from autograder.checks.results import FunctionResult
from autograder.course import Course
from autograder.grading import submissions
from autograder.grading.execute import execute
from autograder.grading.restore import restore
from autograder.grading.verify import verify
from autograder.notebook import prepare_grading
from autograder.workbench import Workbench


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


def check_notebook(path: Path, assignment: str | None = None,
                   course: Course | None = None) -> list[FunctionResult]:
    """Run the notebook with the release's visible checks; verdicts without hidden checks."""
    course = course or Course.at()
    try:
        nb = submissions.load(path)
    except submissions.NotebookProblem as problem:
        raise SystemExit(str(problem)) from None
    assignment = assignment or guess_assignment(path, nb)
    nb, _ = restore(nb, nbformat.read(course.release(assignment), as_version=4))
    prepare_grading()
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        probe_dir = Path(tmp) / "probes"
        log = execute(nb, path.resolve().parent, probe_dir, sandbox=False)
        return verify(assignment, nb, log, probe_dir, Workbench(), include_hidden=False)
