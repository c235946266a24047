"""The sandbox every grading kernel runs in: bubblewrap, an unprivileged user, rlimits, cgroups.

Inside, the kernel sees the system's programs and libraries, the Python interpreter with its
packages, the kit's own package, MNIST less the held-out test images (read-only), its working
folder and the folders it hands data back through (writable) and a private ``/tmp``. It does not
see the course: no source notebooks, gradebook, other submissions or grader files. It has no
network, its own PID namespace, runs as a user of its own without capabilities, and is held to
the limits of ``course_config`` (memory, processes, CPU time, file size). Where the machine
cannot enforce a part of this, :func:`support` says which, and grading goes on without it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import course_config
from autograder.grading import leftovers

log = logging.getLogger(__name__)
CGROUPS = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids")


@dataclass(frozen=True)
class Support:
    """What this machine lets the grader enforce."""

    bwrap: str | None  # path of bubblewrap, if installed
    root: bool  # running as root: can switch kernels to their own user and use cgroups
    cgroups: bool  # cgroup v1 memory and pids controllers are writable

    @property
    def warnings(self) -> list[str]:
        """One sentence for each part of the sandbox this machine cannot give."""
        found = []
        if not self.bwrap:
            found.append("bubblewrap (bwrap) is not installed, so kernels run without a sandbox: "
                         "they can reach the network and read the course files (install the "
                         "Debian package bubblewrap)")
        if not self.root:
            found.append("the grader is not running as root, so kernels keep the grader's user "
                         "and only per-process limits apply")
        elif not self.cgroups:
            found.append("cgroup memory and pids controllers are not available, so memory and "
                         "processes are limited per process, not for the kernel as a whole")
        return found


@cache
def support() -> Support:
    """What this machine supports; warns once, the first time it is asked."""
    root = os.geteuid() == 0
    cgroups = root and all(os.access(CGROUPS / name, os.W_OK) for name in CONTROLLERS)
    found = Support(shutil.which("bwrap"), root, cgroups)
    for warning in found.warnings:
        log.warning("sandbox: %s.", warning)
    return found


def cgroup_parents() -> list[Path]:
    """The folders the kernels' cgroups are made in; none where the sandbox uses no cgroups."""
    return [CGROUPS / name / "autograder" for name in CONTROLLERS] if support().cgroups else []


def kernel_uid(slot: int) -> int:
    """The user of this grading process's kernels in ``slot`` (0 to SANDBOX_SLOTS - 1): distinct
    for every slot of every live grading process of the machine (the range covers every PID)."""
    first, count = course_config.SANDBOX_UIDS
    return first + (course_config.SANDBOX_SLOTS * os.getpid() + slot) % count


class _Slots:
    """The slots of this process's live kernels: processes and threads count per user, so no two
    kernels may share one, whichever thread of the grader starts them."""

    def __init__(self) -> None:
        self._taken: set[int] = set()
        self._lock = threading.Lock()

    def claim(self) -> int:
        with self._lock:
            free = [s for s in range(course_config.SANDBOX_SLOTS) if s not in self._taken]
            if not free:
                raise RuntimeError(f"this grading process already runs "
                                   f"{course_config.SANDBOX_SLOTS} kernels, its most")
            self._taken.add(free[0])
            return free[0]

    def release(self, slot: int) -> None:
        with self._lock:
            self._taken.discard(slot)


_SLOTS = _Slots()


def _read_only_paths(data: Path | None) -> list[Path]:
    """What a kernel must read: Python, its packages, the kit's own modules and its data."""
    import autograder

    paths = [Path(sys.base_prefix), Path(sys.prefix), Path(autograder.__file__).parent,
             Path(course_config.__file__)]
    return [p.resolve() for p in paths + ([data] if data else []) if p.exists()]


def _remove(group: Path) -> None:
    """Kill whatever still runs in a cgroup (nothing outlives its kernel), then remove it."""
    if not group.is_dir():  # the sandbox failed before making it
        return
    for _ in range(100):
        pids = (group / "cgroup.procs").read_text().split()
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.05)
    try:
        group.rmdir()
    except OSError as error:
        log.warning("sandbox: could not remove the cgroup %s (%s)", group, error)


class Sandbox:
    """One kernel's sandbox: its folders, user and cgroup. Use as a context manager."""

    def __init__(self, workdir: Path, writable: list[Path], data: Path | None = None) -> None:
        self.support = support()
        self.data = data
        self.workdir = workdir.resolve()
        self.runtime = Path(tempfile.mkdtemp(prefix=leftovers.prefix("kernel")))
        self.writable = [self.workdir, self.runtime, *(p.resolve() for p in writable)]
        # its own user only inside bubblewrap: outside, the interpreter may not be readable
        self.own_user = self.support.root and bool(self.support.bwrap)
        self.slot: int | None = None  # while entered with a user of its own: that user's slot
        self.uid = os.getuid()
        self.cgroup = f"autograder/{self.runtime.name}" if self.support.cgroups else None

    def __enter__(self) -> Sandbox:
        if self.own_user:
            self.slot = _SLOTS.claim()
            self.uid = kernel_uid(self.slot)
        self.give_folders()
        if self.cgroup:
            for name, (key, value) in zip(CONTROLLERS, (
                    ("memory.limit_in_bytes", course_config.KERNEL_MEMORY_BYTES),
                    ("pids.max", course_config.KERNEL_MAX_TASKS)), strict=True):
                group = CGROUPS / name / self.cgroup
                group.mkdir(parents=True, exist_ok=True)
                (group / key).write_text(str(value))
        return self

    def give_folders(self) -> None:
        """Make the writable folders, and give them and what is in them to the kernel's user."""
        for folder in self.writable:
            folder.mkdir(parents=True, exist_ok=True)
            if self.own_user:
                for path in (folder, *folder.rglob("*")):
                    os.lchown(path, self.uid, self.uid)

    def __exit__(self, *exc: object) -> None:
        if self.cgroup:
            for name in CONTROLLERS:
                _remove(CGROUPS / name / self.cgroup)
        shutil.rmtree(self.runtime, ignore_errors=True)
        if self.slot is not None:
            _SLOTS.release(self.slot)
            self.slot = None

    def out_of_memory(self) -> bool:
        """Whether the kernel hit its memory limit and had a process killed for it."""
        if not self.cgroup:
            return False
        text = (CGROUPS / "memory" / self.cgroup / "memory.oom_control").read_text()
        fields = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        return int(fields.get("oom_kill", 0)) > 0

    def peak_memory(self) -> int | None:
        """The most memory the kernel used, in bytes, where cgroups measure it."""
        if not self.cgroup:
            return None
        return int((CGROUPS / "memory" / self.cgroup / "memory.max_usage_in_bytes").read_text())

    def wrap(self, cmd: list[str]) -> list[str]:
        """The kernel command, run inside this sandbox under its limits."""
        limits = ["prlimit", f"--as={course_config.KERNEL_ADDRESS_SPACE_BYTES}",
                  f"--fsize={course_config.KERNEL_MAX_FILE_BYTES}",
                  f"--cpu={course_config.KERNEL_CPU_S}", "--core=0"]
        if self.support.root:
            limits.append(f"--nproc={course_config.KERNEL_MAX_TASKS}")
        jail = [self.support.bwrap, *self._bwrap_args()] if self.support.bwrap else []
        user = (["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
                if self.own_user else [])
        inner = [*limits, "--", *jail, *user, *cmd]
        if not self.cgroup:
            return inner
        join = " && ".join(f"echo $$ > {CGROUPS / name / self.cgroup / 'cgroup.procs'}"
                           for name in CONTROLLERS)
        return ["/bin/sh", "-c", f'{join} && exec "$@"', "sandbox", *inner]

    def _bwrap_args(self) -> list[str]:
        args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--unsetenv", "JPY_PARENT_PID",
                "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
                "--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", str(course_config.KERNEL_TMP_BYTES), "--tmpfs", "/tmp",
                "--perms", "1777", "--size", str(course_config.KERNEL_TMP_BYTES), "--tmpfs",
                "/dev/shm",
                "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp"]
        for name in ("bin", "lib", "lib64", "sbin"):
            top = Path("/") / name
            if top.is_symlink():
                args += ["--symlink", os.readlink(top), str(top)]
            elif top.is_dir():
                args += ["--ro-bind", str(top), str(top)]
        made: set[Path] = {Path("/"), Path("/tmp"), Path("/usr"), Path("/etc")}
        binds = [("--ro-bind", p) for p in _read_only_paths(self.data)] + \
            [("--bind", p) for p in self.writable]
        for kind, path in binds:
            for parent in reversed(path.parents):
                if parent not in made:
                    args += ["--perms", "0755", "--dir", str(parent)]
                    made.add(parent)
            args += [kind, str(path), str(path)]
            made.add(path)
        return [*args, "--chdir", str(self.workdir)]
