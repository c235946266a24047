"""A notebook's kernel process in its sandbox, which may be started before its notebook is known.

A kernel prepares grading (imports TensorFlow, sets threads and seeds) as it starts, before it
answers anyone. A worker starts the kernel for its next submission while it grades the current
one, so that second or more of start-up is spent in parallel; each kernel still serves one
notebook only, in folders and under a user of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

import course_config
from autograder.data import configured_path
from autograder.grading import leftovers
from autograder.grading.sandbox import Sandbox
from autograder.probe import PROBE_DIR_ENV

# run by IPython as the kernel starts; a statement that leaves no name in the notebook
START_CODE = "__import__('autograder.notebook').notebook.prepare_grading()"


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


class Kernel:
    """One notebook's kernel: its folders, sandbox and process. Use as a context manager.

    ``workdir`` is the notebook's working folder, ``probe_dir`` where it hands results back;
    Without ``sandbox`` (a student's own run) the kernel runs as a plain process.
    """

    def __init__(self, workdir: Path, probe_dir: Path, data: Path | None = None,
                 sandbox: bool = True) -> None:
        self.workdir, self.probe_dir = workdir, probe_dir
        self.data = data or configured_path()
        self.jail = Sandbox(workdir, [probe_dir], self.data) if sandbox else None
        self.manager = _SandboxedKernelManager(kernel_name="python3")
        if self.jail is not None:
            # a signal to the process group would reach bubblewrap, not the kernel: ask the kernel
            self.manager.kernel_spec.interrupt_mode = "message"
            self.manager.sandbox, self.manager.transport = self.jail, "ipc"
            self.manager.ip = str(self.jail.runtime / "kernel")
            self.manager.connection_file = str(self.jail.runtime / "kernel.json")
        self.failure = ""  # why the process could not be started, if it could not
        self._jailed = False
        self._owned: Path | None = None  # a temporary folder this kernel removes when closed

    @classmethod
    def in_temporary_folder(cls, data: Path | None = None) -> Kernel:
        """A sandboxed kernel with fresh working and probe folders, removed when it closes."""
        root = Path(tempfile.mkdtemp(prefix=leftovers.prefix("work")))
        (root / "work").mkdir()
        kernel = cls(root / "work", root / "probes", data)
        kernel._owned = root
        return kernel

    def start(self) -> Kernel:
        """Launch the process and return at once; it prepares grading while the caller goes on."""
        try:
            if self.jail is not None:
                self._jailed = True  # closed even if entering fails part way
                self.jail.__enter__()
            # the kernel's own stdout and stderr (banners, TensorFlow's logs) are not the grader's
            run_sync(self.manager.start_kernel)(
                extra_arguments=["--HistoryManager.hist_file=:memory:",
                                 f"--IPKernelApp.exec_lines={START_CODE}"],
                env=kernel_env(self.probe_dir, self.data), cwd=str(self.workdir),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, RuntimeError) as error:
            self.failure = str(error) or type(error).__name__
        return self

    @property
    def started(self) -> bool:
        return bool(self.failure) or self.manager.has_kernel

    def hand_over(self) -> None:
        """Give the kernel's user the files put in its folders since it started."""
        if self.jail is not None:
            self.jail.give_folders()

    def close(self) -> None:
        """Stop the process and everything it started; remove its sandbox and owned folders."""
        try:
            if self.manager.has_kernel:
                with contextlib.suppress(RuntimeError):
                    run_sync(self.manager.shutdown_kernel)(now=True)
            run_sync(self.manager.cleanup_resources)()
        finally:
            if self._jailed:
                self.jail.__exit__(None, None, None)
            if self._owned is not None:
                shutil.rmtree(self._owned, ignore_errors=True)

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
