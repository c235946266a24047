"""Stage ``collect``: find the submissions of an assignment, and ``load`` one notebook."""

from __future__ import annotations

import json
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
            found[entry.name] = Submission(entry.name, folder / f"{notebook}.ipynb",
                                           _timestamp(folder / "timestamp.txt"))
        elif entry.is_file() and entry.suffix == ".ipynb":
            found.setdefault(entry.stem, Submission(entry.stem, entry))
    return [found[student] for student in sorted(found) if STUDENT_ID.match(student)]


def layout_hint(directory: Path, assignment: str, notebook: str) -> str:
    """Why nothing was collected from ``directory``: the layouts looked for, what is there
    instead (a few entries), and how to lay it out."""
    entries = sorted(directory.iterdir()) if directory.is_dir() else []
    found = "; ".join(_describe(entry) for entry in entries[:5])
    found += f" and {len(entries) - 5} more" if len(entries) > 5 else ""
    return (f"no submissions of {assignment} found in {directory}: looked for "
            f"<student>/{assignment}/{notebook}.ipynb (nbgrader's layout) and <student>.ipynb "
            f"(a flat folder), and found {found or 'nothing'} instead. Move each notebook to "
            f"<student>/{assignment}/{notebook}.ipynb or to <student>.ipynb in that folder.")


def _describe(entry: Path) -> str:
    """A folder entry as ``name`` or ``folder/first, few, entries``."""
    if not entry.is_dir():
        return entry.name
    inside = sorted(child.name for child in entry.iterdir())
    return f"{entry.name}/{', '.join(inside[:3]) or '(empty)'}"


def _timestamp(path: Path) -> str | None:
    """nbgrader's submission time, normalized; None if absent or unreadable."""
    from nbgrader.utils import parse_utc

    try:
        return str(parse_utc(path.read_text().strip()))
    except (OSError, ValueError, OverflowError):
        return None


def refuse_links(path: Path) -> None:
    """Raise NotebookProblem if the notebook, or its folder, is a symbolic link."""
    if path.is_symlink() or path.parent.is_symlink():
        raise NotebookProblem(f"{path.name} is a symbolic link, not a notebook: submit the "
                              "notebook file itself")


def load(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook, or raise NotebookProblem with a plain reason."""
    refuse_links(path)
    if not path.exists():
        raise NotebookProblem(f"no notebook named {path.name} was submitted")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NotebookProblem(f"{path.name} could not be read ({error})") from None
    if not text.strip():
        raise NotebookProblem(f"{path.name} is empty")
    try:
        json.loads(text)
    except ValueError:
        raise NotebookProblem(f"{path.name} is not valid JSON, so not a notebook") from None
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception:  # noqa: BLE001 - nbformat raises many kinds for malformed notebooks
        raise NotebookProblem(f"{path.name} is not in the Jupyter notebook format") from None
    return nb
