"""Results as data: what a check found, rendered separately for students and instructors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class CheckFailure(Exception):
    """The one failure type students see: what was checked, expected, found, and a hint."""

    def __init__(self, subject: str, expected: str, found: str, hint: str = "",
                 details: dict | None = None) -> None:
        self.subject, self.expected, self.found, self.hint = subject, expected, found, hint
        self.details = details or {}  # what the check measured, kept for the instructor
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.subject}: expected {self.expected}, found {self.found}."
        return f"{text} {self.hint}" if self.hint else text


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one graded function."""

    function: str
    name: str
    passed: bool
    message: str = ""
    hidden: bool = False
    details: dict = field(default_factory=dict)  # what the check measured, if anything

    def to_dict(self) -> dict:
        return {"function": self.function, "name": self.name, "passed": self.passed,
                "message": self.message, "hidden": self.hidden, "details": self.details}


@dataclass
class FunctionResult:
    """All verdicts on one graded function; its points are all or nothing."""

    function: str
    max_points: float
    checks: list[CheckResult] = field(default_factory=list)
    note: str = ""  # why the function could not be checked at all, if so

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks) and not self.note

    @property
    def score(self) -> float:
        return self.max_points if self.passed else 0.0

    @property
    def messages(self) -> list[str]:
        failed = [check.message for check in self.checks if not check.passed]
        return ([self.note] if self.note else []) + failed

    def to_dict(self) -> dict:
        return {"function": self.function, "max_points": self.max_points, "score": self.score,
                "passed": self.passed, "note": self.note,
                "checks": [check.to_dict() for check in self.checks]}


# (name, thunk raising CheckFailure and optionally returning what it measured, hidden)
Check = tuple[str, Callable[[], object], bool]


def run_checks(function: str, checks: Sequence[Check]) -> list[CheckResult]:
    """Run checks in order and stop at the first failure, as a test function would.

    A check that fails for a reason of ours (not a CheckFailure) is reported as a failure to
    check, with the details in the instructor's log, never a traceback for the student.
    """
    results = []
    for name, thunk, hidden in checks:
        try:
            measured = thunk()
        except CheckFailure as failure:
            results.append(CheckResult(function, name, False, failure.message, hidden,
                                       failure.details))
            break
        except Exception as error:  # a grader bug or data we cannot read: say so plainly
            log.exception("check %s of %s could not run", name, function)
            message = (f"{function}: this check could not run on what your function returned "
                       f"({type(error).__name__}: {error}).")
            results.append(CheckResult(function, name, False, message, hidden))
            break
        details = measured if isinstance(measured, dict) else {}
        results.append(CheckResult(function, name, True, "", hidden, details))
    return results
