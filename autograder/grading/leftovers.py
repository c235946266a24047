"""What a grading process leaves behind when it is killed, and the sweep that removes it.

A worker that Dask's nanny restarts (past its memory limit) or that a machine kills gets no
chance to clean up: its temporary folders (the kernels' MNIST copy, a submission's files, its
kernels' working and runtime folders) and its kernels' cgroups stay. Each is named after the
process that made it (``autograder-KIND-PID-...``), so a worker starting later removes those of
processes that no longer run. A cgroup is removed only once nothing runs in it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)
_NAME = re.compile(r"autograder-[a-z]+-(\d+)-.+")


def prefix(kind: str) -> str:
    """The start of the name of a temporary folder or cgroup of ``kind`` made by this process."""
    return f"autograder-{kind}-{os.getpid()}-"


def _owner_gone(path: Path) -> bool:
    """Whether ``path`` is named after a process, and that process no longer runs."""
    match = _NAME.fullmatch(path.name)
    if not match or not path.is_dir() or path.is_symlink():
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it runs, as another user
        return False
    return False


def sweep(folder: Path, cgroup_parents: Iterable[Path] = ()) -> list[Path]:
    """Remove what dead grading processes left: their folders in ``folder`` (the temporary
    folder) and their empty cgroups under each of ``cgroup_parents``. Returns what it removed."""
    removed = []
    for path in sorted(folder.glob("autograder-*")):
        if _owner_gone(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    for parent in cgroup_parents:
        for group in sorted(parent.glob("autograder-*")):
            if _owner_gone(group) and not (group / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):  # a process joined it meanwhile
                    group.rmdir()
                    removed.append(group)
    if removed:
        log.info("removed %d folders and cgroups left by grading processes that were killed",
                 len(removed))
    return removed
