"""Stage ``feedback``: each student's page of points, plain messages and plots of their run.

Rendered from what grading stored (the submission's results.json), never from the notebook: a
page shows each graded function's points and every check that ran, with its plain message
(hidden checks show their name and message only), then the learning curves, confusion matrix
and misclassified digits of the student's own trained model. A submission that could not be
graded gets a page too, saying why; a failure to write one student's feedback stays with them.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import course_config
from autograder import feedback_plots, gradebook, late, render
from autograder.course import Course
from autograder.grading.record import write_atomic

PAGE = "index.html"


@dataclass(frozen=True)
class Plot:
    """One plot of the page: its file (beside the page), title and caption."""

    file: str
    title: str
    caption: str


def plots(evidence: dict, folder: Path) -> tuple[list[Plot], list[str]]:
    """Draw the evidence's plots into ``folder``; also say, plainly, which could not be drawn."""
    function = evidence.get("function", "the training function")
    drawn, missing = [], []
    if evidence.get("history"):
        feedback_plots.learning_curves(evidence["history"], folder / "learning_curves.png")
        drawn.append(Plot("learning_curves.png", "Learning curves",
                          f"Accuracy and loss after each epoch, from the History that {function} "
                          "returned when your notebook was graded."))
    else:
        missing.append(f"No learning curves: {function} gave no History with numbers to draw.")
    if evidence.get("confusion"):
        feedback_plots.confusion_matrix(evidence["confusion"], folder / "confusion_matrix.png")
        drawn.append(Plot("confusion_matrix.png", "Confusion matrix",
                          f"How the model trained by {function} classified the "
                          f"{evidence['test_images']:,} test images kept for grading: each row "
                          "is the true digit, each column the digit predicted."))
        if evidence.get("misclassified"):
            feedback_plots.misclassified(evidence["misclassified"], folder / "misclassified.png")
            drawn.append(Plot("misclassified.png", "Misclassified digits",
                              f"The first {len(evidence['misclassified'])} test images the model "
                              "got wrong, with their true and predicted labels."))
    elif evidence.get("history") is not None and "confusion" not in evidence:
        missing.append(f"No confusion matrix: the model trained by {function} could not be "
                       "run on the test images (see its checks above).")
    return drawn, missing


@dataclass
class Written:
    """What :func:`generate` wrote: our pages, and why some students' feedback was not written
    in full (student -> a plain reason)."""

    pages: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """The failures in one line, for the command line."""
        return (f"feedback not written in full for {len(self.failed)} student(s): "
                + "; ".join(f"{student}: {why}" for student, why in sorted(self.failed.items())))


def generate(course: Course, assignment: str, students: list[str]) -> Written:
    """Both pages of each student: nbgrader's (the graded notebook) and ours (linking it).

    A failure stays with its student: it is listed in ``failed`` with a plain reason, and the
    others' feedback is written all the same.
    """
    written = Written()
    for student in students:
        try:
            page, why = _pages(course, assignment, student)
            written.pages.append(page)
        except Exception as error:  # noqa: BLE001 - one student's failure: say why, write the rest
            why = f"its page could not be written ({type(error).__name__}: {error})"
        if why:
            written.failed[student] = why
    return written


def _pages(course: Course, assignment: str, student: str) -> tuple[Path, str]:
    """Write a student's pages; return ours and why nbgrader's is missing ('' if it is not).

    A submission that could not be graded has no graded notebook for nbgrader to show: its
    folder is emptied of an earlier grade's pages, and ours says why.
    """
    why = ""
    if json.loads(course.results(assignment, student).read_text())["problem"]:
        shutil.rmtree(course.feedback(assignment, student), ignore_errors=True)
    else:
        try:  # on failure, nbgrader removes the folder: our page comes after
            gradebook.generate_feedback(assignment, student, course.root, course.db_url)
        except gradebook.NbgraderError as error:
            why = f"nbgrader could not render the graded notebook ({error.cause})"
    return write_feedback(course, assignment, student), why


def graded_students(course: Course, assignment: str) -> list[str]:
    """Students with a stored grade of ``assignment``."""
    return [path.parent.parent.name for path in course.stored_results(assignment)]


def write_feedback(course: Course, assignment: str, student: str) -> Path:
    """Write ``<feedback>/<student>/<assignment>/index.html`` and its plots; return the page."""
    stored = json.loads(course.results(assignment, student).read_text())
    folder = course.feedback(assignment, student)
    folder.mkdir(parents=True, exist_ok=True)
    drawn, missing = plots(stored.get("evidence") or {}, folder) if not stored["problem"] \
        else ([], [])
    lateness = late.lateness(assignment, stored.get("timestamp"), stored["score"],
                             stored["max_score"])
    config = course_config.ASSIGNMENTS[assignment]
    notebook = f"{config.notebook}.html"
    page = render.html_templates().get_template("feedback.html.j2").render(
        assignment=assignment, student=student, report=stored, plots=drawn, missing=missing,
        lateness=lateness, late_text=late.describe(lateness),
        final=stored["score"] - lateness.penalty, manual=sum(config.manual.values()),
        notebook=notebook if (folder / notebook).is_file() else "")
    write_atomic(folder / PAGE, page)
    return folder / PAGE
