"""Stage ``execute``: run a notebook in its own kernel process, within time limits.

A preamble cell fixes seeds, threads and deterministic ops before the first student cell.
Errors in cells do not stop the run; a cell past its time limit is interrupted; a notebook past
its total limit, or a kernel that dies, ends the run with a reason a person understands.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

import course_config
from autograder.data import configured_path
from autograder.probe import PROBE_DIR_ENV

PREAMBLE = "from autograder.notebook import prepare_grading\nprepare_grading()"


@dataclass(frozen=True)
class Limits:
    cell_s: float = course_config.CELL_TIMEOUT_S
    notebook_s: float = course_config.NOTEBOOK_TIMEOUT_S
    startup_s: float = course_config.KERNEL_STARTUP_TIMEOUT_S


DEFAULT_LIMITS = Limits()


@dataclass
class ExecutionLog:
    """What happened while the notebook ran."""

    errors: dict[int, str] = field(default_factory=dict)  # cell index -> "Name: message"
    timed_out: list[int] = field(default_factory=list)
    stopped: str = ""  # why the run ended early, if it did
    seconds: float = 0.0


def kernel_env(probe_dir: Path) -> dict[str, str]:
    """The kernel's environment: quiet TensorFlow, fixed threads, where to hand data back."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("JPY_")}
    data = configured_path()
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


def _error_of(cell) -> str | None:
    """The cell's error as "Name: message", without IPython's temporary file names."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            message = re.sub(r"\([^()]*\.py, line (\d+)\)", r"(line \1)",
                             str(output.get("evalue", "")))
            return f"{output.get('ename', 'Error')}: {message}".strip()
    return None


def execute(nb: nbformat.NotebookNode, workdir: Path, probe_dir: Path,
            limits: Limits = DEFAULT_LIMITS) -> ExecutionLog:
    """Run every code cell of ``nb`` in place (outputs are filled in); return the log."""
    log = ExecutionLog()
    started = time.monotonic()
    deadline = started + limits.notebook_s
    client = NotebookClient(
        nb, timeout=int(limits.cell_s), startup_timeout=int(limits.startup_s),
        allow_errors=True, interrupt_on_timeout=True, kernel_name="python3",
        error_on_timeout={"ename": "TimeoutError",
                          "evalue": f"the cell ran longer than {limits.cell_s:g} s"},
        resources={"metadata": {"path": str(workdir)}}, record_timing=False)
    client.timeout_func = lambda cell: max(1, int(min(limits.cell_s, deadline - time.monotonic())))
    preamble = nbformat.v4.new_code_cell(PREAMBLE)
    nb.cells.insert(0, preamble)  # executed first, removed before anyone sees the notebook
    watchdog, current = None, -1
    try:
        with client.setup_kernel(env=kernel_env(probe_dir)):
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
                elif error := _error_of(cell):
                    log.errors[index] = error
    except DeadKernelError:
        log.stopped = _death_reason(current, deadline)
    except RuntimeError as error:  # the kernel never started
        log.stopped = f"the notebook's kernel could not start ({error})"
    finally:
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
