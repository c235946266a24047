"""The plots of a student's feedback, drawn from the evidence of their run (PNG files)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from autograder import evidence  # noqa: E402


def _plain_text(draw: Callable[..., Path]) -> Callable[..., Path]:
    """Draw with every text as written: a History key such as ``$\\x$`` (the student's) is
    never parsed as mathtext, which would stop the drawing."""

    @functools.wraps(draw)
    def drawn(*args, **kwargs) -> Path:
        with matplotlib.rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return drawn


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


@_plain_text
def learning_curves(history: dict[str, list[float]], path: Path) -> Path:
    """Accuracy (left) and loss (right) after each epoch, one line per series of the History."""
    fig, (accuracy, loss) = plt.subplots(1, 2, figsize=(10, 3.6))
    for axis, title in ((accuracy, "accuracy"), (loss, "loss")):
        for name, values in history.items():
            if ("loss" in name) == (title == "loss"):
                axis.plot(range(1, len(values) + 1), values, marker="o", label=name)
        axis.set(title=title, xlabel="epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
        if axis.lines:
            axis.legend(fontsize="small")
    return _save(fig, path)


@_plain_text
def confusion_matrix(confusion: list[list[int]], path: Path) -> Path:
    """Counts of true digit (row) against predicted digit (column)."""
    matrix = np.asarray(confusion)
    fig, axis = plt.subplots(figsize=(6, 5.4))
    shown = axis.imshow(matrix, cmap="Blues")
    fig.colorbar(shown, ax=axis)
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            axis.text(column, row, str(count), ha="center", va="center", fontsize=7,
                      color="white" if count > matrix.max() / 2 else "black")
    wrong = matrix.sum() - np.trace(matrix)
    axis.set(xticks=range(10), yticks=range(10), xlabel="predicted digit", ylabel="true digit",
             title=f"test images: {matrix.sum():,}, misclassified: {wrong:,}")
    return _save(fig, path)


@_plain_text
def misclassified(items: list[dict], path: Path, columns: int = 6) -> Path:
    """A grid of misclassified digits, each titled with its true and predicted label."""
    rows = -(-len(items) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.9 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, item in zip(axes.flat, items, strict=False):
        axis.imshow(evidence.image(item), cmap="gray_r")
        axis.set_title(f"true {item['label']}\npredicted {item['predicted']}", fontsize=9)
    return _save(fig, path)
