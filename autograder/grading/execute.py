"""Stage ``execute``: run a notebook in its own sandboxed kernel process, within limits.

A preamble cell fixes seeds, threads and deterministic ops before the first student cell.
Errors in cells do not stop the run; a cell past its time limit is interrupted; output past its
limit is cut; a notebook past its total limit, or a kernel that dies, ends the run with a reason a
person understands.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

import course_config
from autograder.grading.kernel import Kernel

PREAMBLE = "from autograder.notebook import prepare_grading\nprepare_grading()"


@dataclass(frozen=True)
class Limits:
    cell_s: float = course_config.CELL_TIMEOUT_S
    notebook_s: float = course_config.NOTEBOOK_TIMEOUT_S
    startup_s: float = course_config.KERNEL_STARTUP_TIMEOUT_S
    output_bytes: int = course_config.MAX_OUTPUT_BYTES


DEFAULT_LIMITS = Limits()


@dataclass
class ExecutionLog:
    """What happened while the notebook ran."""

    errors: dict[int, str] = field(default_factory=dict)  # cell index -> "Name: message"
    timed_out: list[int] = field(default_factory=list)
    stopped: str = ""  # why the run ended early, if it did
    notes: list[str] = field(default_factory=list)  # limits a cell ran into, in plain words
    seconds: float = 0.0
    peak_memory: int | None = None  # bytes, where the sandbox measures it


class _Client(NotebookClient):
    """nbclient's client, keeping at most ``output_bytes`` of output for the whole notebook."""

    output_bytes = course_config.MAX_OUTPUT_BYTES
    kept = 0
    cut = False

    def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001 - nbclient's signature
        size = len(str(msg.get("content", "")))
        if not self.cut and self.kept + size <= self.output_bytes:
            self.kept += size
            return super().output(outs, msg, display_id, cell_index)
        if not self.cut:
            self.cut = True
            outs.append(nbformat.v4.new_output(
                "stream", name="stdout",
                text=f"[output cut: the notebook printed more than {_size(self.output_bytes)}; "
                     "the rest was dropped]\n"))
        return None


def _size(count: int) -> str:
    """A size in the largest binary unit that keeps it at least 1: 4 GB, 2 MB, 512 kB."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} bytes"


def _error_of(cell) -> str | None:
    """The cell's error as "Name: message", without IPython's temporary file names."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            message = re.sub(r"\([^()]*\.py, line (\d+)\)", r"(line \1)",
                             str(output.get("evalue", "")))
            return f"{output.get('ename', 'Error')}: {message}".strip()
    return None


def execute(nb: nbformat.NotebookNode, workdir: Path, probe_dir: Path,
            limits: Limits = DEFAULT_LIMITS, sandbox: bool = True,
            data: Path | None = None) -> ExecutionLog:
    """Run every code cell of ``nb`` in place (outputs are filled in) in a new kernel.

    The kernel reads MNIST from ``data`` (default: the course's file) and runs in a sandbox (see
    autograder.grading.sandbox) unless ``sandbox`` is False, which is for a student's own run
    of their own notebook.
    """
    with Kernel(workdir, probe_dir, data, sandbox) as kernel:
        return run(nb, kernel, limits)


def run(nb: nbformat.NotebookNode, kernel: Kernel, limits: Limits = DEFAULT_LIMITS
        ) -> ExecutionLog:
    """Run every code cell of ``nb`` in ``kernel`` (started now if it was not); return the log.

    The kernel serves this notebook only: its owner closes it afterwards.
    """
    if not kernel.started:
        kernel.start()
    kernel.hand_over()
    log = _run(nb, kernel, limits)
    if kernel.jail is not None and not kernel.failure:  # a kernel that never ran has no cgroup
        log.peak_memory = kernel.jail.peak_memory()
        if log.stopped.startswith("the kernel died") and kernel.jail.out_of_memory():
            log.stopped = log.stopped.replace(
                "(it may have run out of memory, crashed or called exit)",
                f"(it used more than its memory limit of {_size(course_config.KERNEL_MEMORY_BYTES)}"
                ")")
    return log


def _run(nb: nbformat.NotebookNode, kernel: Kernel, limits: Limits) -> ExecutionLog:
    log = ExecutionLog()
    started = time.monotonic()
    deadline = started + limits.notebook_s
    if kernel.failure:
        log.stopped = f"the notebook's kernel could not start ({kernel.failure})"
        return log
    client = _Client(
        nb, km=kernel.manager, timeout=int(limits.cell_s), startup_timeout=int(limits.startup_s),
        allow_errors=True, interrupt_on_timeout=True, kernel_name="python3",
        error_on_timeout={"ename": "TimeoutError",
                          "evalue": f"the cell ran longer than {limits.cell_s:g} s"},
        resources={"metadata": {"path": str(kernel.workdir)}}, record_timing=False)
    client.output_bytes = limits.output_bytes
    preamble = nbformat.v4.new_code_cell(PREAMBLE)
    client.timeout_func = lambda cell: max(1, int(min(
        limits.startup_s if cell is preamble else limits.cell_s, deadline - time.monotonic())))
    nb.cells.insert(0, preamble)  # executed first, removed before anyone sees the notebook
    watchdog, current = None, -1
    try:
        with client.setup_kernel():
            watchdog = _watchdog(client, deadline + 30)
            client.execute_cell(preamble, 0)
            if _error_of(preamble):
                log.stopped = f"the grading setup failed in the kernel ({_error_of(preamble)})"
                return log
            for index, cell in enumerate(nb.cells[1:]):
                if cell.cell_type != "code":
                    continue
                if time.monotonic() >= deadline:
                    log.stopped = (f"the notebook ran longer than its limit of "
                                   f"{limits.notebook_s:g} s; it was stopped before cell "
                                   f"{index + 1}")
                    break
                limit, begun, current = client.timeout_func(cell), time.monotonic(), index
                client.execute_cell(cell, index + 1)
                if time.monotonic() - begun >= limit:
                    log.timed_out.append(index)
                    log.errors[index] = f"TimeoutError: the cell ran longer than {limit} s"
                    if not _answers(client, course_config.INTERRUPT_GRACE_S):
                        log.stopped = (f"cell {index + 1} ran longer than {limit} s and went on "
                                       "after it was interrupted; the notebook was stopped there")
                        break
                    log.notes.append(f"cell {index + 1} ran longer than {limit} s and was "
                                     "stopped")
                elif error := _error_of(cell):
                    log.errors[index] = error
                    if "[Errno 27]" in error:  # EFBIG: the file size limit of the sandbox
                        log.notes.append(f"cell {index + 1} tried to write a file larger than "
                                         f"{_size(course_config.KERNEL_MAX_FILE_BYTES)}, the "
                                         "limit; the write failed")
    except DeadKernelError:
        log.stopped = _death_reason(current, deadline)
    except RuntimeError as error:  # the kernel never became ready
        log.stopped = f"the notebook's kernel could not start ({error})"
    finally:
        if client.cut:
            log.notes.append(f"the notebook printed more than {_size(limits.output_bytes)}; "
                             "the rest of its output was dropped")
        nb.cells.remove(preamble)
        if watchdog:
            watchdog.cancel()
        if client.kc is not None:
            client.kc.stop_channels()
        log.seconds = time.monotonic() - started
    return log


def _answers(client: NotebookClient, seconds: float) -> bool:
    """Whether the kernel answers an empty request within ``seconds``: a cell that went on after
    its interrupt keeps it busy, and every later cell would wait for it."""
    msg_id = client.kc.execute("", silent=True, stop_on_error=False)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            reply = run_sync(client.kc.shell_channel.get_msg)(timeout=left)
        except Empty:
            return False
        if reply["parent_header"].get("msg_id") == msg_id:
            return True
    return False


def _death_reason(current: int, deadline: float) -> str:
    where = f" while running cell {current + 1}" if current >= 0 else " during the grading setup"
    if time.monotonic() >= deadline:
        return f"the notebook ran past its time limit and was stopped{where}"
    return f"the kernel died{where} (it may have run out of memory, crashed or called exit)"


def _watchdog(client: NotebookClient, at: float) -> threading.Timer:
    """Kill the kernel process if it is still running well past the notebook's deadline."""

    def kill() -> None:
        provisioner = getattr(client.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)

    timer = threading.Timer(max(0.0, at - time.monotonic()), kill)
    timer.daemon = True
    timer.start()
    return timer
