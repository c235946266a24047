"""What runs on a Dask worker: a warm start once per worker, then one task per submission.

Workers only grade: they get a submission's files as plain data and return plain results; the
coordinating process records them (see autograder.grading.pipeline). A task never touches the
course folder, so workers may run on other machines that have the kit and MNIST.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from distributed import WorkerPlugin, get_worker

from autograder.data import configured_path
from autograder.grading import leftovers, sandbox
from autograder.grading.execute import Limits
from autograder.grading.kernel import Kernel
from autograder.grading.record import SubmissionReport

PLUGIN = "autograder-warm-start"
# the scheduler sends a worker its next task as the previous one ends: how long to wait for it
NEXT_TASK_WAIT_S = 1.0


class WarmStart(WorkerPlugin):
    """Pays once per worker what every submission needs: TensorFlow imported and set to the
    grading threads and seeds, MNIST read and split, the kernels' copy of it written, what
    killed workers left removed (see autograder.grading.leftovers); and keeps a kernel started
    for the next submission while the current one is graded, when there is one (a kernel that
    no submission would use only takes a core from those being graded)."""

    name = PLUGIN

    def __init__(self) -> None:
        self.benches: dict[str, object] = {}
        self.next: Kernel | None = None  # started, waiting for the next submission

    def setup(self, worker) -> None:  # noqa: ANN001 - Dask's signature
        from autograder.notebook import prepare_grading

        prepare_grading()
        leftovers.sweep(Path(tempfile.gettempdir()), sandbox.cgroup_parents())
        self.next = self._start(self.bench().kernel_data())

    def teardown(self, worker) -> None:  # noqa: ANN001 - Dask's signature
        if self.next is not None:
            self.next.close()
            self.next = None

    def kernel(self, data: Path | None, ahead: bool = True) -> Kernel:
        """A started kernel reading ``data`` for this submission; with ``ahead`` (another
        submission waits for this worker), the next one starts now."""
        kernel, self.next = self.next, None
        if kernel is None or kernel.data != (data or configured_path()):
            if kernel is not None:
                kernel.close()
            kernel = self._start(data)
        if ahead:
            self.next = self._start(data)
        return kernel

    def _start(self, data: Path | None) -> Kernel:
        return Kernel.in_temporary_folder(data).start()

    def bench(self):
        """The grader's Workbench for the MNIST file configured now (one per file, kept)."""
        from autograder.workbench import Workbench

        key = str(configured_path())
        if key not in self.benches:
            self.benches[key] = Workbench(hold_out=True)
            self.benches[key].kernel_data()
        return self.benches[key]


def _has_next_task(worker) -> bool:  # noqa: ANN001 - a dask Worker
    """Whether this worker holds a task to run after the current one (waiting briefly for it)."""
    deadline = time.monotonic() + NEXT_TASK_WAIT_S
    while not (worker.state.ready or worker.state.constrained):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@dataclass
class Graded:
    """A worker's answer for one submission: the report and the executed notebook's JSON."""

    report: SubmissionReport
    notebook: str | None
    worker: str


def grade_files(assignment: str, student: str, notebook_name: str, files: dict[str, bytes],
                source: str, release: str, limits: Limits, timestamp: str | None) -> Graded:
    """Grade one submission from its files (notebook name -> bytes, with its data files)."""
    from autograder.grading.pipeline import grade_notebook

    worker = get_worker()
    plugin = worker.plugins[PLUGIN]
    bench = plugin.bench()
    started = time.monotonic()
    kernel = plugin.kernel(bench.kernel_data(), ahead=_has_next_task(worker))
    with tempfile.TemporaryDirectory(prefix=leftovers.prefix("submission")) as tmp:
        for name, content in files.items():
            (Path(tmp) / name).write_bytes(content)
        graded = grade_notebook(
            assignment, Path(tmp) / notebook_name, nbformat.reads(source, as_version=4), bench,
            limits, nbformat.reads(release, as_version=4), kernel)
    report = SubmissionReport(student, graded.results, graded.problem, graded.notes,
                              time.monotonic() - started, timestamp, evidence=graded.evidence)
    nb = graded.notebook
    return Graded(report, nbformat.writes(nb) if nb is not None else None,
                  f"{worker.name} (pid {os.getpid()})")
