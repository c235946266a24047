"""What the grader says, once, about the parts of the sandbox a machine cannot give."""

import logging

from autograder.grading import sandbox


def test_each_missing_part_is_named_with_its_consequence():
    assert sandbox.Support("/usr/bin/bwrap", True, True).warnings == []
    assert sandbox.Support(None, False, False).warnings == [
        "bubblewrap (bwrap) is not installed, so kernels run without a sandbox: they can reach the "
        "network and read the course files (install the Debian package bubblewrap)",
        "the grader is not running as root, so kernels keep the grader's user and only "
        "per-process limits apply"]
    assert sandbox.Support("/usr/bin/bwrap", True, False).warnings == [
        "cgroup memory and pids controllers are not available, so memory and processes are "
        "limited per process, not for the kernel as a whole"]


def test_the_grader_says_it_once_however_often_it_asks(monkeypatch, caplog):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.support.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=sandbox.__name__):
            first, second = sandbox.support(), sandbox.support()
    finally:
        sandbox.support.cache_clear()
    assert first.bwrap is None and second is first
    said = [r.getMessage() for r in caplog.records if "bubblewrap" in r.getMessage()]
    assert said == ["sandbox: bubblewrap (bwrap) is not installed, so kernels run without a "
                    "sandbox: they can reach the network and read the course files (install the "
                    "Debian package bubblewrap)."]
