"""The checks library: small functions that each test one property of plain data.

Every check raises :class:`CheckFailure` naming what was checked, what was expected and what was
found; nothing here ever lets a bare ``AssertionError`` or a traceback reach a student.
"""

from autograder.checks.results import CheckFailure, CheckResult, FunctionResult, run_checks

__all__ = ["CheckFailure", "CheckResult", "FunctionResult", "run_checks"]
