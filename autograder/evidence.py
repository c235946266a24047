"""What a student's feedback plots, gathered while grading from the student's own run.

Grader side, from the probes the kernel handed back: the History of the assignment's plotted
training function, and that trained model's predictions on the held-out test images (the
confusion matrix and the first misclassified digits). Everything is plain, JSON-able data, kept
in the submission's results.json; ``autograder.feedback`` draws it.
"""

from __future__ import annotations

import base64
import logging
import math
from pathlib import Path

import numpy as np

import course_config
from autograder import assignments, probe
from autograder.assignments import common
from autograder.workbench import Workbench

log = logging.getLogger(__name__)
MAX_SERIES, MAX_EPOCHS = 8, 1000  # of a History that is drawn


def collect(assignment: str, probe_dir: Path, bench: Workbench) -> dict:
    """The plotted run of ``assignment``'s notebook, or {} if its training function gave none.

    Keys: ``function`` (the training function), ``history`` ({metric: [value per epoch]}),
    and, for assignments with one 10-class output, ``confusion`` (10 x 10, true label by row),
    ``test_images`` and ``misclassified`` ([{index, label, predicted, image}], image being the
    28 x 28 uint8 pixels in base64).
    """
    function, inputs = assignments.get(assignment).PLOTTED
    try:
        found = probe.read(function, probe_dir, course_config.MAX_PROBE_FILE_BYTES)
    except (ValueError, OSError):
        return {}
    if found is None or found.error:
        return {}
    evidence = {"function": function, "history": _history(found.data.get("history"))}
    if inputs is None:
        return evidence
    try:
        predicted = common.predicted_classes(found, getattr(bench, inputs))
    except Exception:  # noqa: BLE001 - the model's own checks already say what is wrong
        log.info("%s: no predictions to plot", function, exc_info=True)
        return evidence
    labels = bench.y_held
    confusion = np.zeros((10, 10), dtype=int)
    valid = (predicted >= 0) & (predicted < 10)
    np.add.at(confusion, (labels[valid], predicted[valid]), 1)
    wrong = np.flatnonzero(predicted != labels)[:course_config.FEEDBACK_MISCLASSIFIED]
    evidence.update(
        confusion=confusion.tolist(), test_images=len(labels),
        misclassified=[{"index": int(i), "label": int(labels[i]), "predicted": int(predicted[i]),
                        "image": base64.b64encode(bench.raw_held[i].tobytes()).decode()}
                       for i in wrong])
    return evidence


def _history(history: object) -> dict[str, list[float]]:
    """The numeric, finite series of a History's dict (at most MAX_SERIES of MAX_EPOCHS)."""
    if not isinstance(history, dict):
        return {}
    series = {}
    for name, values in list(history.items())[:MAX_SERIES]:
        if isinstance(values, list) and values and all(
                isinstance(v, (int, float)) and math.isfinite(v) for v in values[:MAX_EPOCHS]):
            series[str(name)[:60]] = [float(v) for v in values[:MAX_EPOCHS]]
    return series


def image(item: dict) -> np.ndarray:
    """A misclassified digit's pixels, 28 x 28 uint8."""
    return np.frombuffer(base64.b64decode(item["image"]), dtype=np.uint8).reshape(28, 28)
