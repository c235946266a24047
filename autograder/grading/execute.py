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
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

import course_config
from autograder.data import configured_path
from autograder.grading.sandbox import Sandbox
from autograder.probe import PROBE_DIR_ENV

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


def kernel_env(probe_dir: Path, data: Path | None) -> dict[str, str]:
    """The kernel's environment: quiet TensorFlow, fixed threads, its data, where to hand back."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("JPY_")}
    env.update({
        PROBE_DIR_ENV: str(probe_dir),
        course_config.MNIST_PATH_ENV: str(data) if data else "",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONHASHSEED": str(course_config.SEED),
        "OMP_NUM_THREADS": str(course_config.TF_THREADS),
        "CUDA_VISIBLE_DEVICES": "-1",
        "PYTHONWARNINGS": "ignore",
    })
    return env


class _SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel inside a sandbox, talking over IPC sockets in a folder it can see."""

    sandbox: Sandbox | None = None

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.sandbox is None:
            return cmd
        if self.sandbox.own_user:  # the kernel must read the connection file written for it
            os.chown(self.connection_file, self.sandbox.uid, self.sandbox.uid)
        return self.sandbox.wrap(cmd)


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
    """Run every code cell of ``nb`` in place (outputs are filled in); return the log.

    The kernel reads MNIST from ``data`` (default: the course's file) and runs in a sandbox (see
    autograder.grading.sandbox) unless ``sandbox`` is False, which is for a student's own run
    of their own notebook.
    """
    data = data or configured_path()
    if not sandbox:
        return _execute(nb, workdir, probe_dir, limits, None, data)
    with Sandbox(workdir, [probe_dir], data) as jail:
        log = _execute(nb, workdir, probe_dir, limits, jail, data)
        log.peak_memory = jail.peak_memory()
        if log.stopped.startswith("the kernel died") and jail.out_of_memory():
            log.stopped = log.stopped.replace(
                "(it may have run out of memory, crashed or called exit)",
                f"(it used more than its memory limit of {_size(course_config.KERNEL_MEMORY_BYTES)}"
                ")")
    return log


def _execute(nb: nbformat.NotebookNode, workdir: Path, probe_dir: Path, limits: Limits,
             jail: Sandbox | None, data: Path | None) -> ExecutionLog:
    log = ExecutionLog()
    started = time.monotonic()
    deadline = started + limits.notebook_s
    km = _SandboxedKernelManager(kernel_name="python3")
    if jail is not None:
        # a signal to the process group would reach bubblewrap, not the kernel: ask the kernel
        km.kernel_spec.interrupt_mode = "message"
        km.sandbox, km.transport = jail, "ipc"
        km.ip, km.connection_file = str(jail.runtime / "kernel"), str(jail.runtime / "kernel.json")
    client = _Client(
        nb, km=km, timeout=int(limits.cell_s), startup_timeout=int(limits.startup_s),
        allow_errors=True, interrupt_on_timeout=True, kernel_name="python3",
        error_on_timeout={"ename": "TimeoutError",
                          "evalue": f"the cell ran longer than {limits.cell_s:g} s"},
        resources={"metadata": {"path": str(workdir)}}, record_timing=False)
    client.output_bytes = limits.output_bytes
    preamble = nbformat.v4.new_code_cell(PREAMBLE)
    client.timeout_func = lambda cell: max(1, int(min(
        limits.startup_s if cell is preamble else limits.cell_s, deadline - time.monotonic())))
    nb.cells.insert(0, preamble)  # executed first, removed before anyone sees the notebook
    watchdog, current = None, -1
    try:
        # the kernel's own stdout and stderr (banners, TensorFlow's C++ logs) are not the grader's
        with client.setup_kernel(env=kernel_env(probe_dir, data), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL):
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
    except RuntimeError as error:  # the kernel never started
        log.stopped = f"the notebook's kernel could not start ({error})"
    finally:
        if client.cut:
            log.notes.append(f"the notebook printed more than {_size(limits.output_bytes)}; "
                             "the rest of its output was dropped")
        nb.cells.remove(preamble)
        if watchdog:
            watchdog.cancel()
        log.seconds = time.monotonic() - started
    return log


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
