"""Stage ``collect``: find the submissions of an assignment, and ``load`` one notebook."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


@dataclass(frozen=True)
class Submission:
    """One student's submission: where its notebook is (it may be missing)."""

    student: str
    notebook: Path
    timestamp: str | None = None


class NotebookProblem(Exception):
    """A submitted notebook that cannot be graded; the message says why, in one line."""


def collect(directory: Path, assignment: str, notebook: str) -> list[Submission]:
    """Submissions in nbgrader's layout ``<dir>/<student>/<assignment>/<notebook>.ipynb``, or as
    flat files ``<dir>/<student>.ipynb``; sorted by student id."""
    found: dict[str, Submission] = {}
    if not directory.is_dir():
        raise FileNotFoundError(f"no submissions folder at {directory}")
    for entry in sorted(directory.iterdir()):
        if entry.is_dir() and (entry / assignment).is_dir():
            folder = entry / assignment
            stamp = folder / "timestamp.txt"
            timestamp = stamp.read_text().strip() if stamp.is_file() else None
            found[entry.name] = Submission(entry.name, folder / f"{notebook}.ipynb", timestamp)
        elif entry.is_file() and entry.suffix == ".ipynb":
            found.setdefault(entry.stem, Submission(entry.stem, entry))
    return [found[student] for student in sorted(found) if STUDENT_ID.match(student)]


def load(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook, or raise NotebookProblem with a plain reason."""
    if not path.exists():
        raise NotebookProblem(f"no notebook named {path.name} was submitted")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NotebookProblem(f"{path.name} could not be read ({error})") from None
    if not text.strip():
        raise NotebookProblem(f"{path.name} is empty")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds for bad JSON
        raise NotebookProblem(f"{path.name} is not a valid notebook ({type(error).__name__})") \
            from None
    return nb
