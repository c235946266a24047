"""What has been graded already: results keyed by the submission's content and the assignment's
version, so a rerun grades only what is new or changed.

A submission's key is the SHA-256 of its notebook and the data files submitted with it. The
assignment's version is the SHA-256 of everything that decides its grade: the source and release
notebooks, its points and thresholds, the grading limits and the kit's own code (all of it but
the other assignments' modules). Both are stored
in ``results.json``, which is written last, so a grade interrupted anywhere before is redone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import course_config
from autograder import assignments
from autograder.course import Course
from autograder.grading.submissions import Submission

KIT = Path(__file__).resolve().parents[1]  # the autograder package


def submission_files(notebook: Path) -> dict[str, bytes]:
    """The files graded for a submission: its notebook, and the plain files beside it that the
    kernel gets in its working folder (data the student submitted). Missing ones are left out."""
    files = {}
    if notebook.is_file() and not notebook.is_symlink():
        files[notebook.name] = notebook.read_bytes()
    if notebook.parent.is_dir() and not notebook.parent.is_symlink():
        for item in sorted(notebook.parent.iterdir()):
            if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb":
                files[item.name] = item.read_bytes()
    return files


def _digest(parts: list[tuple[str, bytes]]) -> str:
    sha = hashlib.sha256()
    for name, content in parts:
        for piece in (name.encode(), content):
            sha.update(len(piece).to_bytes(8, "big"))
            sha.update(piece)
    return sha.hexdigest()


def submission_key(submission: Submission) -> str:
    """SHA-256 of the submission's files (with a symlinked notebook, of the link's target name)."""
    parts = sorted(submission_files(submission.notebook).items())
    if submission.notebook.is_symlink():  # graded as "a symbolic link": key the link itself
        parts.append(("symlink", str(submission.notebook.readlink()).encode()))
    return _digest(parts)


def assignment_version(course: Course, assignment: str, limits: object) -> str:
    """SHA-256 of everything that decides the assignment's grades (see the module docstring)."""
    config = course_config.ASSIGNMENTS[assignment]
    settings = {"assignment": asdict(config), "limits": asdict(limits),
                "held_out": course_config.HELD_OUT_TEST_FRACTION, "seed": course_config.SEED,
                "threads": course_config.TF_THREADS, "late": asdict(course_config.LATE_POLICY)}
    parts = [("settings", json.dumps(settings, sort_keys=True).encode()),
             ("source", course.source(assignment).read_bytes()),
             ("release", course.release(assignment).read_bytes())]
    parts += [(str(path.relative_to(KIT)), path.read_bytes())
              for path in assignments.code_files(assignment)]
    return _digest(parts)


def _stored(course: Course, assignment: str, student: str) -> dict:
    """The results stored for a student ({} if none were, or they cannot be read)."""
    try:
        stored = json.loads(course.results(assignment, student).read_text())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def stored_key(course: Course, assignment: str, student: str) -> dict | None:
    """The key of the grade stored for a student, or None if none was (or it cannot be read)."""
    return _stored(course, assignment, student).get("key")


def last_seconds(course: Course, assignment: str, student: str) -> float | None:
    """How long the student's last grading took, or None if it is not known."""
    seconds = _stored(course, assignment, student).get("seconds")
    return float(seconds) if isinstance(seconds, (int, float)) else None


def is_graded(course: Course, assignment: str, submission: Submission, key: dict) -> bool:
    """True if the stored grade is for exactly this submission and assignment version."""
    return stored_key(course, assignment, submission.student) == key
