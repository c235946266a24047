"""Turn a probe into a FunctionResult: the same code in the student's kernel and the grader."""

from __future__ import annotations

from types import ModuleType

from autograder.checks import keras_errors
from autograder.checks.results import CheckResult, FunctionResult, run_checks
from autograder.probe import Probe
from autograder.workbench import Workbench


def error_message(function: str, error: dict[str, str]) -> str:
    """One plain sentence on why a function could not be called."""
    kind, kind_type, text = error.get("kind"), error.get("type", ""), error.get("message", "")
    if kind == "missing":
        return (f"{function} is not defined. Run the cell that defines it, and fix any error "
                "it shows.")
    if kind == "not_callable":
        return f"{function} should be a function, but it is a {kind_type}."
    if kind == "not_implemented":
        return f"{function} is not written yet: it still raises NotImplementedError."
    if not text:
        return f"{function} raised {kind_type}."
    return keras_errors.explain(function, str(text)) or f"{function} raised {kind_type}: {text}"


def judge(module: ModuleType, probe: Probe, bench: Workbench, points: float, *,
          include_hidden: bool = True, note: str = "") -> FunctionResult:
    """Verdicts on one function from its probe; ``note`` replaces the message of a call error."""
    function = probe.function
    if probe.error:
        message = note or error_message(function, probe.error)
        return FunctionResult(function, points, [CheckResult(function, "can be called", False,
                                                             message)])
    checks = [check for check in module.verify(probe, bench) if include_hidden or not check[2]]
    return FunctionResult(function, points, run_checks(function, checks))
