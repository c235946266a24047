"""Graded training functions: one run per function, reused from the notebook when it can be.

A ``Training`` states, for one graded training function, what builds and compiles its model and
which notebook variables hold the notebook's own run, so that run is reused when it is exactly
what grading would redo; ``verify_training`` checks the History and the accuracy it reaches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

import course_config
from autograder import probe as kernel
from autograder import workbench
from autograder.assignments.common import holds, measured, ok, passes
from autograder.checks import training
from autograder.checks.models import ModelSpec
from autograder.checks.results import Check
from autograder.probe import Probe, call_student
from autograder.workbench import Workbench


@dataclass(frozen=True)
class Training:
    """One graded training function, the graded pieces it depends on and the notebook's run."""

    train: str  # the graded function that trains and returns the History
    build: str  # the graded function that builds the model
    build_args: tuple
    spec: ModelSpec | None  # the build function's stand-in when it fails (or reference_build)
    data: Callable[[Workbench], tuple[np.ndarray, ...]]  # what train gets after the model
    compile: str | None = None  # the graded compiling function, when compiling is separate
    reference_compile: Callable[[Any], None] | None = None  # its stand-in when it fails
    notebook: tuple[str, ...] = ("model", "history", "x", "y")  # model, history, then the data
    untouched: Callable[[dict], bool] = lambda ns: True  # the trained model not changed since
    reference_build: Callable[[], Any] | None = None  # for models a ModelSpec cannot describe

    def reference_model(self):
        """A fresh stand-in for the build function (the caller seeds first)."""
        return self.reference_build() if self.reference_build \
            else workbench.build_model(self.spec)


def _notebook_run(module: ModuleType, t: Training, ns: dict, bench: Workbench):
    """The notebook's own trained model and history, when they are what grading would redo.

    Reused (no second training run) only if the notebook trained a model built by a passing
    build function, compiled by a passing compile function, on exactly the prepared data.
    """
    import keras

    model, history = ns.get(t.notebook[0]), ns.get(t.notebook[1])
    if not (isinstance(history, keras.callbacks.History) and isinstance(model, keras.Model)
            and getattr(history, "model", None) is model and t.untouched(ns)):
        return None
    if not all(holds(ns, name, array) for name, array in
               zip(t.notebook[2:], t.data(bench), strict=True)):
        return None
    checks = module.verify(Probe(t.build, {"model": kernel.model_payload(model)[0]}), bench)
    if t.compile:
        compiled = Probe(t.compile, {"compile_config": model.get_compile_config() or {}})
        checks += module.verify(compiled, bench)
    if not all(ok(thunk) for _, thunk, _ in checks):
        return None
    return model, history


def training_probe(module: ModuleType, t: Training, ns: dict, bench: Workbench,
                   state: dict) -> Probe:
    """Train with the student's function: on the notebook's run if reusable, else once here.

    A failing build or compile function is replaced by the reference, so the training function
    is judged on its own. The trained model is kept in ``state[t.train]`` for later functions.
    """
    reused = _notebook_run(module, t, ns, bench)
    if reused:
        model, history = reused
    else:
        own_build = passes(module, t.build, ns, bench, state)
        own_compile = bool(t.compile) and passes(module, t.compile, ns, bench, state)
        workbench.seed_everything(bench.seed)  # as the notebook does before building
        model = call_student(ns, t.build, *t.build_args) if own_build else t.reference_model()
        if own_compile:
            call_student(ns, t.compile, model)
        elif t.reference_compile:
            t.reference_compile(model)
        state[t.train] = model  # later functions get this model even if training fails
        history = call_student(ns, t.train, model, *t.data(bench))
    state[t.train] = model
    payload, weights = kernel.model_payload(model, weights=True)
    data = {"type": type(history).__name__, "reused_notebook_run": bool(reused),
            "history": kernel.plain(getattr(history, "history", None)),
            "fit_params": kernel.plain(getattr(history, "params", None)), "model": payload}
    return Probe(t.train, data, weights)


def trained_or_fresh(t: Training, state: dict):
    """The model ``t.train`` trained, or a fresh seeded reference model when there is none."""
    model = state.get(t.train)
    if model is None:
        workbench.seed_everything()
        model = t.reference_model()
    return model


def verify_training(result: Probe, bench: Workbench, epochs: int | None, threshold: float,
                    x_held: np.ndarray, more: tuple[Check, ...] = (),
                    score: Callable[[], tuple[float, float]] | None = None) -> list[Check]:
    """The History of ``epochs`` epochs (None: the student chooses, up to MAX_EPOCHS), then
    accuracy of at least threshold, measured here.

    ``x_held`` are the held-out test images as the model takes them; ``more`` are checks that
    run between the history checks and the accuracy check; ``score`` is the model's (loss,
    accuracy) on them when the caller measures it too (measured once).
    """
    fn, history = result.function, result.data.get("history")
    score = score or cache(lambda: measured(result, x_held, bench.y_held))

    def accurate() -> dict:
        measure = training.check_min_accuracy(fn, score()[1], threshold, len(bench.y_held),
                                              bench.held_out_count)
        return {"test_loss": score()[0], "test_accuracy": score()[1], **measure}

    return [
        ("returns the History", lambda: training.check_returns_history(
            fn, result.data.get("type", ""), history), False),
        (f"trains for {epochs} epochs", lambda: training.check_epochs(fn, history, epochs), False)
        if epochs else (f"trains for at most {course_config.MAX_EPOCHS} epochs", lambda: training.
                        check_epochs_at_most(fn, history, course_config.MAX_EPOCHS), False),
        ("records loss and accuracy", lambda: training.check_history_metrics(fn, history), False),
        *more,
        (f"test accuracy of at least {threshold}", accurate, True),
    ]
