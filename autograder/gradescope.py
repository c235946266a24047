"""The kit as a Gradescope autograder: grade the notebook Gradescope hands over, write results.

Gradescope puts the submission in /autograder/submission/, its metadata (the submission time)
in /autograder/submission_metadata.json, and reads /autograder/results/results.json
(https://gradescope-autograders.readthedocs.io/en/latest/specs/). The late policy is the kit's
(course_config.LATE_POLICY); set none in Gradescope itself.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import nbformat

import course_config
from autograder.course import Course
from autograder.exports import (
    GRADESCOPE_STDOUT_VISIBILITY,
    GRADESCOPE_VISIBILITY,
    gradescope_results,
)
from autograder.grading.record import write_atomic

log = logging.getLogger(__name__)

METADATA_FILE = "submission_metadata.json"  # Gradescope's, beside the submission folder


def find_assignment(folder: Path) -> str | None:
    """The one assignment whose notebook (by file name) the folder holds, None if not one."""
    names = {path.name for path in folder.rglob("*.ipynb")}
    found = [name for name, config in course_config.ASSIGNMENTS.items()
             if f"{config.notebook}.ipynb" in names]
    return found[0] if len(found) == 1 else None


def find_notebook(folder: Path, assignment: str) -> Path:
    """The assignment's notebook in the folder (or below it): by its name, else the only
    notebook there; the expected path when there is none, which grading reports as missing."""
    name = f"{course_config.ASSIGNMENTS[assignment].notebook}.ipynb"
    notebooks = sorted(path for path in folder.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in path.parts)
    named = [path for path in notebooks if path.name == name]
    if named:
        return named[0]
    return notebooks[0] if len(notebooks) == 1 else folder / name


def grade_submission(folder: Path, assignment: str | None = None) -> dict:
    """Grade the notebook in ``folder`` in this process, as a class is graded (held-out test
    images, sandboxed kernel); returns Gradescope's results."""
    from autograder.grading.pipeline import grade_notebook
    from autograder.grading.record import SubmissionReport
    from autograder.notebook import prepare_grading
    from autograder.workbench import Workbench

    assignment = assignment or find_assignment(folder)
    if assignment is None:
        names = ", ".join(f"{config.notebook}.ipynb"
                          for config in course_config.ASSIGNMENTS.values())
        return _message_only("No notebook of this course was found in your submission: upload "
                             f"your notebook under its name, one of {names}.")
    course = Course.at()
    prepare_grading()
    started = time.monotonic()
    graded = grade_notebook(assignment, find_notebook(folder, assignment),
                            nbformat.read(course.source(assignment), as_version=4),
                            Workbench(hold_out=True),
                            release=nbformat.read(course.release(assignment), as_version=4))
    report = SubmissionReport("submission", graded.results, graded.problem, graded.notes,
                              time.monotonic() - started, _submitted_at(folder.parent))
    return gradescope_results(report.to_dict(), assignment)


def gradescope_command(submission: Path = course_config.GRADESCOPE_SUBMISSION_DIR,
                       results: Path = course_config.GRADESCOPE_RESULTS_FILE,
                       assignment: str | None = None) -> int:
    """``autograder gradescope``: grade the submission and write Gradescope's results.json.

    A failure of the grader itself still leaves results: score 0 and a plain message (the
    traceback goes to the log, which students do not see).
    """
    try:
        written = grade_submission(submission, assignment)
        code = 0
    except Exception:  # noqa: BLE001 - a grader bug: the student still gets an answer
        log.exception("grading %s failed", submission)
        written = _message_only("The autograder failed on this submission, not because of your "
                                "notebook: please tell your instructor.")
        code = 1
    write_atomic(results, json.dumps(written, indent=2))
    print(f"{results}: {written['score']:g} points")
    return code


def _message_only(message: str) -> dict:
    """Results with no tests: score 0 and one plain message."""
    return {"score": 0.0, "execution_time": 0, "output": message,
            "visibility": GRADESCOPE_VISIBILITY,
            "stdout_visibility": GRADESCOPE_STDOUT_VISIBILITY, "tests": []}


def _submitted_at(folder: Path) -> str | None:
    """The submission time from Gradescope's metadata in ``folder`` (UTC); None if unknown."""
    from nbgrader.utils import parse_utc

    try:
        return str(parse_utc(json.loads((folder / METADATA_FILE).read_text())["created_at"]))
    except (OSError, ValueError, KeyError, TypeError, OverflowError):
        return None
