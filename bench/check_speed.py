"""How fast ``autograder check`` answers a student, quick against full, as a ratio from one run.

    .venv/bin/python bench/check_speed.py [NOTEBOOK]   (default: the cnn_mnist solution fixture)

Runs ``check_notebook`` on the same notebook twice in this process: quick (the default of
``autograder check``: setup, answer cells and the checks that train nothing) and ``--full``
(every cell, training included). Prints both times and quick/full. Compare ratios, not seconds
across runs: the machine is shared.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from autograder.student_check import check_notebook

DEFAULT = Path(__file__).resolve().parents[1] / "tests/fixtures/cnn_mnist/solution.ipynb"


def timed(notebook: Path, full: bool) -> tuple[float, int]:
    started = time.monotonic()
    checked = check_notebook(notebook, full=full)
    return time.monotonic() - started, sum(len(result.checks) for result in checked.results)


def main() -> None:
    notebook = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    quick, quick_checks = timed(notebook, full=False)
    full, full_checks = timed(notebook, full=True)
    print(f"{notebook.name}: quick {quick:.1f} s ({quick_checks} checks), "
          f"full {full:.1f} s ({full_checks} checks), quick/full {quick / full:.2f}")


if __name__ == "__main__":
    main()
