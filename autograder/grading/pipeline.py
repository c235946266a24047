"""Wiring of the stages: grade one submission, or every submission of an assignment.

A class is graded in two steps: ``plan`` (what needs grading) and ``run`` (grade it on a Dask
cluster, record each result here as it arrives).
"""

from __future__ import annotations

import logging
import math
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from distributed import Client, KilledWorker, as_completed

import course_config
from autograder import evidence, gradebook
from autograder.checks.results import FunctionResult
from autograder.course import Course
from autograder.grading import execute, ledger, sandbox, submissions
from autograder.grading.execute import DEFAULT_LIMITS, Limits
from autograder.grading.kernel import Kernel
from autograder.grading.record import (
    SubmissionReport,
    record,
    write_failures,
    write_grades_csv,
)
from autograder.grading.restore import restore
from autograder.grading.submissions import Submission
from autograder.grading.verify import verify
from autograder.grading.worker import grade_files
from autograder.workbench import Workbench

log = logging.getLogger(__name__)


def _unchecked(assignment: str, reason: str) -> list[FunctionResult]:
    points = course_config.ASSIGNMENTS[assignment].points
    return [FunctionResult(f, p, [], note=f"{f} was not checked: {reason}.")
            for f, p in points.items()]


@dataclass
class NotebookGrade:
    """What grading one notebook file found."""

    results: list[FunctionResult]
    notebook: nbformat.NotebookNode | None  # as executed; None if it could not be read
    notes: list[str] = field(default_factory=list)  # what was restored or noticed
    problem: str = ""  # why the notebook could not be run at all, if so
    evidence: dict = field(default_factory=dict)  # the student's run, for feedback plots


def grade_notebook(assignment: str, path: Path, source: nbformat.NotebookNode, bench: Workbench,
                   limits: Limits = DEFAULT_LIMITS, release: nbformat.NotebookNode | None = None,
                   kernel: Kernel | None = None) -> NotebookGrade:
    """load -> restore -> execute -> verify (and gather the evidence) for one notebook file.

    ``kernel`` is a sandboxed kernel in folders of its own, possibly started already (a new one
    by default); it is closed here.
    """
    kernel = kernel or Kernel.in_temporary_folder(bench.kernel_data())
    with kernel:
        try:
            nb = submissions.load(path)
        except submissions.NotebookProblem as problem:
            return NotebookGrade(_unchecked(assignment, str(problem)), None, [], str(problem))
        nb, notes = restore(nb, source, release)
        for item in path.parent.iterdir():  # data files that came with the notebook
            if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb":
                shutil.copy2(item, kernel.workdir / item.name)
        ran = execute.run(nb, kernel, limits)
        if ran.peak_memory:
            log.info("%s: the kernel used at most %.0f MB", path, ran.peak_memory / 1024**2)
        results = verify(assignment, nb, ran, kernel.probe_dir, bench)
        plotted = evidence.collect(assignment, kernel.probe_dir, bench)
    notes.extend(ran.notes)
    if ran.stopped:
        notes.append(ran.stopped)
    return NotebookGrade(results, nb, notes, "", plotted)


@dataclass
class Plan:
    """What a run will grade: submissions without a current grade, or all with ``regrade``."""

    course: Course
    assignment: str
    todo: list[Submission]
    skipped: list[Submission]  # graded already, same content and assignment version
    keys: dict[str, dict]  # student -> {"submission": ..., "version": ...}
    limits: Limits = DEFAULT_LIMITS


@dataclass
class GradingRun:
    """The outcome of a run: reports of what was graded, and what could not be graded."""

    reports: list[SubmissionReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # students whose grade was current
    failed: dict[str, str] = field(default_factory=dict)  # student -> why it was not graded
    seconds: float = 0.0


def plan(course: Course, assignment: str, directory: Path | None = None, regrade: bool = False,
         limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Collect the submissions and leave out those whose stored grade is current."""
    config = course_config.ASSIGNMENTS[assignment]
    found = submissions.collect(directory or course.submitted, assignment, config.notebook)
    version = ledger.assignment_version(course, assignment, limits)
    keys = {s.student: {"submission": ledger.submission_key(s), "version": version}
            for s in found}
    todo = [s for s in found
            if regrade or not ledger.is_graded(course, assignment, s, keys[s.student])]
    skipped = [s for s in found if s not in todo]
    # longest first, so that no long grading is left for the end while other workers idle;
    # never graded ones (cost unknown) first, in their order
    last = {s.student: ledger.last_seconds(course, assignment, s.student) for s in todo}
    todo.sort(key=lambda s: -math.inf if last[s.student] is None else -last[s.student])
    return Plan(course, assignment, todo, skipped, keys, limits)


def run(plan: Plan, client: Client, on_done: Callable[[SubmissionReport], None] | None = None
        ) -> GradingRun:
    """Grade the plan's submissions on the cluster; record each here, as soon as it returns.

    This process is the only writer of grades: workers return plain results. A submission whose
    worker died is rerun by Dask on another worker; one that still cannot be graded is listed in
    ``failed`` with the reason, and its stored grade, if any, is left as it was.
    """
    course, assignment = plan.course, plan.assignment
    started = time.monotonic()
    outcome = GradingRun(skipped=[s.student for s in plan.skipped])
    if not plan.todo:
        return outcome
    sandbox.support()  # says once, at the start, what this machine cannot enforce
    # sent with every task, not scattered: a task then needs nothing that a dying worker could
    # take with it (and Dask's broadcast of scattered data once hung a run)
    source, release = course.source(assignment).read_text(), course.release(assignment).read_text()
    futures, refused, run_id = {}, [], uuid.uuid4().hex[:8]
    for submission in plan.todo:
        try:
            submissions.refuse_links(submission.notebook)
        except submissions.NotebookProblem as problem:  # nothing to send to a worker
            refused.append(SubmissionReport(
                submission.student, _unchecked(assignment, str(problem)), str(problem),
                timestamp=submission.timestamp))
            continue
        files = ledger.submission_files(submission.notebook)
        futures[client.submit(
            grade_files, assignment, submission.student, submission.notebook.name, files,
            source, release, plan.limits, submission.timestamp, pure=False,
            key=f"grade-{assignment}-{submission.student}-{run_id}")] = submission
    # while the workers grade: the gradebook needs the assignment before anything is recorded
    gradebook.ensure_registered(assignment, course.root, course.db_url,
                                course.scratch / "registration")
    for report in refused:
        _finish(plan, outcome, report, None, on_done)
    for future in as_completed(futures):
        student = futures[future].student
        try:
            graded = future.result()
        except KilledWorker as error:
            outcome.failed[student] = f"its grading worker died each time it ran ({error})"
        except Exception as error:  # noqa: BLE001 - a grader bug: say so, grade the rest
            outcome.failed[student] = f"the grader failed ({type(error).__name__}: {error})"
        else:
            _finish(plan, outcome, graded.report, graded.notebook, on_done)
        future.release()
    outcome.reports.sort(key=lambda r: r.student)
    write_grades_csv(course, assignment)
    write_failures(course, assignment, [r.student for r in outcome.reports], outcome.failed)
    outcome.seconds = time.monotonic() - started
    return outcome


def _finish(plan: Plan, outcome: GradingRun, report: SubmissionReport, nb: str | None,
            on_done: Callable[[SubmissionReport], None] | None) -> None:
    """Record one graded submission (the only place grades are written) and tell ``on_done``."""
    report.key = plan.keys[report.student]
    notebook = course_config.ASSIGNMENTS[plan.assignment].notebook
    try:
        record(plan.course, plan.assignment, notebook, report,
               nbformat.reads(nb, as_version=4) if nb else None)
    except Exception as error:  # noqa: BLE001 - e.g. the database is down: grade the rest
        outcome.failed[report.student] = (f"its grade could not be recorded "
                                          f"({type(error).__name__}: {error})")
        return
    outcome.reports.append(report)
    if on_done:
        on_done(report)

