"""What assignment notebooks import: ``checks(assignment)`` and the grading preamble.

In a student's Jupyter, ``check("get_model")`` runs the visible checks right there and prints
what is wrong. When the grader runs the notebook, the same call only hands plain data back to
the grader, which computes the verdicts in its own process.
"""

from __future__ import annotations

import os
from pathlib import Path

import course_config
from autograder import assignments, probe, render, verdicts
from autograder.workbench import Workbench


class ChecksFailed(Exception):
    """Raised in a student's notebook when a check fails; shows our message, no traceback."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return self.lines


class Checker:
    """``check(function)`` for one assignment."""

    def __init__(self, assignment: str) -> None:
        self.assignment = assignment
        self.module = assignments.get(assignment)
        self.points = course_config.ASSIGNMENTS[assignment].points
        self._bench: Workbench | None = None
        self._state: dict = {}
        self._probes: dict = {}

    @property
    def bench(self) -> Workbench:
        if self._bench is None:
            self._bench = Workbench()
        return self._bench

    def __call__(self, function: str, hidden: bool = False) -> None:
        if function not in self.points:
            raise ValueError(f"{function!r} is not graded in {self.assignment}")
        ns = _namespace()
        watched = (*self.module.FUNCTIONS, *self.module.NOTEBOOK_VARIABLES)
        key = (function, *(id(ns.get(name)) for name in watched))
        if key not in self._probes:
            self._probes = {k: v for k, v in self._probes.items() if k[0] != function}
            self._probes[key] = self.module.probe(function, ns, self.bench, self._state)
        result = self._probes[key]
        directory = os.environ.get(probe.PROBE_DIR_ENV)
        if directory:
            probe.write(result, Path(directory))
            print(f"{function}: checked when the notebook is graded.")
            return
        verdict = verdicts.judge(self.module, result, self.bench, self.points[function],
                                 include_hidden=hidden)
        hidden_left = 0
        if not hidden and not result.error:
            hidden_left = sum(1 for check in self.module.verify(result, self.bench) if check[2])
        lines = render.function_lines(verdict, hidden_left)
        if not verdict.passed:
            raise ChecksFailed(lines)
        print("\n".join(lines))


def _namespace() -> dict:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("check() runs inside a Jupyter notebook")
    return shell.user_ns


def checks(assignment: str) -> Checker:
    """The ``check`` function of an assignment's notebook."""
    return Checker(assignment)


def prepare_grading() -> None:
    """Run before the first student cell: fixed seeds, threads and deterministic ops."""
    import logging

    import keras
    import tensorflow as tf

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(course_config.TF_THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(course_config.TF_THREADS)
    except RuntimeError:  # TensorFlow already running in this process (only ever the grader's)
        logging.getLogger(__name__).info("TensorFlow threads were already set in this process")
    keras.utils.set_random_seed(course_config.SEED)
    tf.config.experimental.enable_op_determinism()
