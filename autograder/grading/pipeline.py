"""Wiring of the stages: grade one submission, or every submission of an assignment."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

import course_config
from autograder import gradebook
from autograder.checks.results import FunctionResult
from autograder.course import Course
from autograder.grading import sandbox, submissions
from autograder.grading.execute import DEFAULT_LIMITS, Limits, execute
from autograder.grading.record import SubmissionReport, record, write_grades_csv
from autograder.grading.restore import restore
from autograder.grading.verify import verify
from autograder.notebook import prepare_grading
from autograder.workbench import Workbench

log = logging.getLogger(__name__)


def _unchecked(assignment: str, reason: str) -> list[FunctionResult]:
    points = course_config.ASSIGNMENTS[assignment].points
    return [FunctionResult(f, p, [], note=f"{f} was not checked: {reason}.")
            for f, p in points.items()]


def grade_notebook(assignment: str, path: Path, source: nbformat.NotebookNode, bench: Workbench,
                   limits: Limits = DEFAULT_LIMITS, release: nbformat.NotebookNode | None = None
                   ) -> tuple[list[FunctionResult], nbformat.NotebookNode | None, list[str], str]:
    """load -> restore -> execute -> verify for one notebook file.

    Returns the results, the executed notebook (None if it could not be read), the notes of
    what was restored, and the problem that stopped grading, if any.
    """
    try:
        nb = submissions.load(path)
    except submissions.NotebookProblem as problem:
        return _unchecked(assignment, str(problem)), None, [], str(problem)
    nb, notes = restore(nb, source, release)
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        workdir, probe_dir = Path(tmp) / "work", Path(tmp) / "probes"
        workdir.mkdir()
        for item in path.parent.iterdir():  # data files that came with the notebook
            if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb":
                shutil.copy2(item, workdir / item.name)
        run = execute(nb, workdir, probe_dir, limits, data=bench.kernel_data())
        if run.peak_memory:
            log.info("%s: the kernel used at most %.0f MB", path, run.peak_memory / 1024**2)
        results = verify(assignment, nb, run, probe_dir, bench)
    notes.extend(run.notes)
    if run.stopped:
        notes.append(run.stopped)
    return results, nb, notes, ""


def grade_assignment(course: Course, assignment: str, directory: Path | None = None,
                     on_done: Callable[[SubmissionReport], None] | None = None,
                     limits: Limits = DEFAULT_LIMITS) -> list[SubmissionReport]:
    """Grade every submission in ``directory``, record each as soon as it is graded."""
    config = course_config.ASSIGNMENTS[assignment]
    source = nbformat.read(course.source(assignment), as_version=4)
    given = nbformat.read(course.release(assignment), as_version=4)
    found = submissions.collect(directory or course.submitted, assignment, config.notebook)
    gradebook.ensure_registered(assignment, course.root, course.db_url,
                                course.scratch / "registration")
    sandbox.support()  # says once, at the start, what this machine cannot enforce
    prepare_grading()  # the grader's own TensorFlow: same threads and determinism as kernels
    bench = Workbench(hold_out=True)
    reports = []
    for submission in found:
        started = time.monotonic()
        results, nb, notes, problem = grade_notebook(assignment, submission.notebook, source,
                                                     bench, limits, given)
        report = SubmissionReport(submission.student, results, problem, notes,
                                  time.monotonic() - started, submission.timestamp)
        record(course, assignment, config.notebook, report, nb)
        reports.append(report)
        if on_done:
            on_done(report)
    write_grades_csv(course, assignment)
    return reports
