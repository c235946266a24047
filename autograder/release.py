"""``autograder release``: points from course_config, the solution verified, nbgrader's release.

sync_points -> verify_solution -> generate: no release is written unless every check passes on
the instructor's own solution, and clears each threshold by THRESHOLD_MARGIN_SE standard errors.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat

import course_config
from autograder import assignments, gradebook
from autograder.checks import thresholds
from autograder.checks.results import FunctionResult
from autograder.course import Course
from autograder.grading.pipeline import grade_notebook
from autograder.notebook import prepare_grading
from autograder.workbench import Workbench


class ReleaseError(RuntimeError):
    """The release was refused; the message says which checks failed on the solution."""


def sync_points(course: Course, assignment: str) -> bool:
    """Write the points of test cells and written answers from course_config into the source.

    Returns True if anything changed.
    """
    path = course.source(assignment)
    nb = nbformat.read(path, as_version=4)
    config = course_config.ASSIGNMENTS[assignment]
    points = {f"test_{function}": value for function, value in config.points.items()}
    points.update(config.manual)
    changed = False
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if meta.get("grade") and grade_id in points and meta.get("points") != points[grade_id]:
            meta["points"], changed = points[grade_id], True
    if changed:
        nbformat.write(nb, path)
    return changed


def _fingerprint(course: Course, assignment: str) -> str:
    """Changes whenever the source, the course config or the kit's code for it changes."""
    digest = hashlib.sha256(course.source(assignment).read_bytes())
    for path in [*assignments.code_files(assignment), Path(course_config.__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def verify_solution(course: Course, assignment: str) -> list[FunctionResult]:
    """Grade the instructor's source notebook; raise ReleaseError unless it gets full marks.

    A verification is remembered for the exact same source, config and kit, so releasing twice
    does not train twice.
    """
    stamp = course.scratch / f"verified-{assignment}.json"
    fingerprint = _fingerprint(course, assignment)
    if stamp.is_file() and json.loads(stamp.read_text()).get("fingerprint") == fingerprint:
        return []
    prepare_grading()
    source = nbformat.read(course.source(assignment), as_version=4)
    graded = grade_notebook(assignment, course.source(assignment), source,
                            Workbench(hold_out=True))
    failed = [message for result in graded.results for message in result.messages]
    if graded.problem or failed:
        raise ReleaseError(f"not releasing {assignment}: the instructor solution fails its own "
                           "checks:\n  " + "\n  ".join([graded.problem] if graded.problem
                                                        else failed))
    found = [m for result in graded.results for check in result.checks
             for m in thresholds.measures(check.details)]
    narrow = thresholds.thin(assignment, found, course_config.THRESHOLD_MARGIN_SE)
    if narrow:
        raise ReleaseError(f"not releasing {assignment}: the instructor solution clears "
                           "thresholds by too little to hold on every machine:\n  "
                           + "\n  ".join(narrow))
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"fingerprint": fingerprint}))
    return graded.results


def generate(course: Course, assignment: str) -> Path:
    """nbgrader generate_assignment into ``release/<assignment>/``."""
    gradebook.generate_assignment(assignment, course.root, course.db_url,
                                  course.root / course_config.RELEASE_DIR)
    return course.release(assignment)


def release(course: Course, assignment: str) -> Path:
    sync_points(course, assignment)
    verify_solution(course, assignment)
    return generate(course, assignment)
