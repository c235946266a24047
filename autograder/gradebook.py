"""nbgrader, used for what it is made for: generating releases, the gradebook, feedback.

Only the grading process writes here (one writer); kernels never see the gradebook.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

import course_config
from autograder.checks.results import FunctionResult
from autograder.late import lateness

# nbgrader's own log: kept in what its API returns (see _check), not printed beside ours
_NBGRADER_LOG = logging.getLogger(f"{__name__}.nbgrader")
_NBGRADER_LOG.propagate = False
_NBGRADER_LOG.addHandler(logging.NullHandler())
# an exception as a traceback ends with it, e.g. "nbformat.reader.NotJSONError: Notebook ..."
_ERROR_LINE = re.compile(r"^\s*(?:\w+\.)*(\w*(?:Error|Exception): .*\S)\s*$", re.MULTILINE)


class NbgraderError(RuntimeError):
    """An nbgrader step failed; the message carries nbgrader's own log, ``cause`` the last error
    that it names, in one line (e.g. "NotJSONError: Notebook does not appear to be JSON: '{'")."""

    def __init__(self, message: str, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


def _alembic_on_path() -> None:
    """nbgrader runs `alembic` by name: put this environment's bin/ on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def open_gradebook(db_url: str):
    """nbgrader's Gradebook for ``db_url`` (a context manager), with `alembic` found."""
    from nbgrader.api import Gradebook

    _alembic_on_path()
    return Gradebook(db_url, course_id=course_config.COURSE_ID)


def _api(root: Path, db_url: str, release_dir: Path | None = None):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    _alembic_on_path()
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.course_id = course_config.COURSE_ID
    exchange = root / course_config.SCRATCH_DIR / "exchange"  # unused, but must be writable
    exchange.mkdir(parents=True, exist_ok=True)
    config.Exchange.root = str(exchange)
    config.Application.log_level = "WARNING"
    if release_dir is not None:
        config.CourseDirectory.release_directory = str(release_dir)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config,
                       log=_NBGRADER_LOG)


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        error, log = result.get("error") or "", result.get("log") or ""
        # the log holds the traceback of the notebook that failed; the error only nbgrader's own
        causes = _ERROR_LINE.findall(log) or _ERROR_LINE.findall(error)
        raise NbgraderError(f"nbgrader {what} failed:\n{log}{error}",
                            causes[-1] if causes else f"nbgrader {what} failed")


def generate_assignment(assignment: str, root: Path, db_url: str, release_dir: Path) -> None:
    """nbgrader generate_assignment: strip solutions and hidden tests, register in the gradebook."""
    _check(_api(root, db_url, release_dir).generate_assignment(assignment, force=True,
                                                                create=True), "generate_assignment")


def ensure_registered(assignment: str, root: Path, db_url: str, scratch: Path) -> None:
    """Make sure the gradebook knows the assignment's notebooks and graded cells."""
    from nbgrader.api import MissingEntry

    with open_gradebook(db_url) as gb:  # also creates the course, which PostgreSQL's keys need
        try:
            if gb.find_assignment(assignment).notebooks:
                return
        except MissingEntry:
            pass
    generate_assignment(assignment, root, db_url, scratch)


def record(assignment: str, notebook: str, student: str, results: list[FunctionResult],
           db_url: str, timestamp: str | None = None, manual: tuple[str, ...] = ()) -> None:
    """Store automatic scores in nbgrader's gradebook, as nbgrader's autograde would.

    Written answers (grade ids in ``manual``) are flagged for manual grading until a grader has
    scored them; a manual score already entered is never touched. The assignment's due date and
    the notebook's late penalty (on the automatic score, see autograder.late) are set too, so
    nbgrader's own export shows raw score, penalty and final score.
    """
    from nbgrader.utils import parse_utc

    late = lateness(assignment, timestamp, sum(result.score for result in results),
                    sum(result.max_points for result in results))
    with open_gradebook(db_url) as gb:
        gb.update_or_create_assignment(assignment, duedate=late.due)
        gb.update_or_create_student(student)
        if timestamp:  # nbgrader's timestamp.txt, e.g. "2026-11-20 17:02:11.123 UTC"
            gb.update_or_create_submission(assignment, student, timestamp=parse_utc(timestamp))
        else:
            gb.update_or_create_submission(assignment, student)
        for result in results:
            grade = gb.find_grade(f"test_{result.function}", notebook, assignment, student)
            grade.auto_score = result.score
            grade.needs_manual_grade = grade.manual_score is not None
        for grade_id in manual:
            grade = gb.find_grade(grade_id, notebook, assignment, student)
            grade.needs_manual_grade = grade.manual_score is None
        submitted = gb.find_submission_notebook(notebook, assignment, student)
        submitted.late_submission_penalty = late.penalty
        gb.db.commit()


def scores(assignment: str, db_url: str) -> dict[str, float]:
    """Each student's total score for an assignment, as the gradebook has it."""
    with open_gradebook(db_url) as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment(assignment).submissions}


def generate_feedback(assignment: str, student: str, root: Path, db_url: str) -> None:
    """nbgrader generate_feedback: the student's HTML page from the autograded notebook."""
    _check(_api(root, db_url).generate_feedback(assignment, student, force=True),
           "generate_feedback")
