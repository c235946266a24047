"""What killed grading processes leave behind, and the sweep that removes it."""

import os
import subprocess
import time

import pytest

from autograder.grading import leftovers, sandbox


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_folders_are_named_after_the_process_that_made_them():
    assert leftovers.prefix("data") == f"autograder-data-{os.getpid()}-"


def test_the_folders_of_dead_processes_go_and_every_other_folder_stays(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    gone = [tmp_path / f"autograder-{kind}-{dead}-x1y2" for kind in ("data", "kernel", "work")]
    kept = [tmp_path / f"autograder-data-{alive}-a1b2",  # this process still runs
            tmp_path / "autograder-kernel-q9as9fbu",  # not named after a process
            tmp_path / f"other-data-{dead}-x1y2"]  # not the kit's
    for folder in gone + kept:
        (folder / "inside").mkdir(parents=True)
    (tmp_path / f"autograder-data-{dead}-file").write_text("a file, not a folder")
    assert leftovers.sweep(tmp_path) == sorted(gone)
    assert sorted(tmp_path.iterdir()) == sorted(
        [*kept, tmp_path / f"autograder-data-{dead}-file"])


@pytest.mark.skipif(not sandbox.support().cgroups, reason="this machine gives no cgroups")
def test_empty_cgroups_of_dead_processes_go_and_a_group_with_a_process_stays(tmp_path):
    parents = sandbox.cgroup_parents()
    dead = _dead_pid()
    empty = [parent / f"autograder-kernel-{dead}-empty1" for parent in parents]
    busy = parents[0] / f"autograder-kernel-{dead}-busy01"
    mine = parents[0] / f"autograder-kernel-{os.getpid()}-mine01"
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        for group in [*empty, busy, mine]:
            group.mkdir(parents=True)
        (busy / "cgroup.procs").write_text(str(sleeper.pid))
        assert leftovers.sweep(tmp_path, parents) == empty
        assert not any(group.exists() for group in empty) and busy.is_dir() and mine.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()
        for group in (busy, mine):
            for _ in range(50):  # the killed process leaves its group a moment later
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
