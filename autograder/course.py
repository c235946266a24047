"""Where a course lives on disk: its root and the folders derived from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import course_config


@dataclass(frozen=True)
class Course:
    """A course folder in nbgrader's layout; passed explicitly to every command."""

    root: Path
    db_url: str

    @classmethod
    def at(cls, root: Path = course_config.COURSE_ROOT, db_url: str | None = None) -> Course:
        root = Path(root).resolve()
        return cls(root, db_url or f"sqlite:///{root / course_config.GRADEBOOK_FILE}")

    def source(self, assignment: str) -> Path:
        name = course_config.ASSIGNMENTS[assignment].notebook
        return self.root / course_config.SOURCE_DIR / assignment / f"{name}.ipynb"

    def release(self, assignment: str) -> Path:
        name = course_config.ASSIGNMENTS[assignment].notebook
        return self.root / course_config.RELEASE_DIR / assignment / f"{name}.ipynb"

    @property
    def submitted(self) -> Path:
        return self.root / course_config.SUBMITTED_DIR

    def autograded(self, assignment: str, student: str) -> Path:
        return self.root / course_config.AUTOGRADED_DIR / student / assignment

    def results(self, assignment: str, student: str) -> Path:
        """The stored results of a student's graded submission (written last, see record)."""
        return self.autograded(assignment, student) / "results.json"

    def stored_results(self, assignment: str) -> list[Path]:
        """Every stored results file of ``assignment``, sorted by student."""
        return sorted((self.root / course_config.AUTOGRADED_DIR).glob(
            f"*/{assignment}/results.json"))

    def feedback(self, assignment: str, student: str) -> Path:
        return self.root / course_config.FEEDBACK_DIR / student / assignment

    def grades_csv(self, assignment: str) -> Path:
        return self.root / course_config.GRADES_DIR / f"{assignment}.csv"

    def failures_json(self, assignment: str) -> Path:
        """Submissions whose last grading failed, with why: {student: reason}."""
        return self.root / course_config.GRADES_DIR / f"{assignment}_failed.json"

    def reports(self, assignment: str) -> Path:
        return self.root / course_config.REPORTS_DIR / assignment

    def exports(self, assignment: str) -> Path:
        return self.root / course_config.EXPORTS_DIR / assignment

    @property
    def scratch(self) -> Path:
        """Private working space of the grader (never visible to kernels)."""
        return self.root / course_config.SCRATCH_DIR
