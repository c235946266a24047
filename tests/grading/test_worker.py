"""A grading worker keeps the next submission's kernel started, isolated from the current one."""

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.grading import execute, sandbox
from autograder.grading.execute import Limits
from autograder.grading.worker import WarmStart

LIMITS = Limits(cell_s=60, notebook_s=300)
FORK_BOMB = ("import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
             "            time.sleep(600)\n            os._exit(0)\n        n += 1\n"
             "except OSError as error:\n    print(n < 256, type(error).__name__)")
THREADS_AND_A_PROCESS = ("import subprocess, threading\n"
                         "threads = [threading.Thread(target=lambda: None) for _ in range(50)]\n"
                         "[t.start() for t in threads]; [t.join() for t in threads]\n"
                         "print(subprocess.run(['echo', 'child'], capture_output=True, text=True)"
                         ".stdout.strip(), os.getcwd() == start)")


def _outputs(nb) -> list[str]:
    return ["".join(o.get("text", "") for o in cell.outputs).strip() for cell in nb.cells]


@pytest.mark.skipif(sandbox.support().warnings != [],
                    reason="this machine cannot give the full sandbox")
def test_the_next_kernel_waits_started_as_another_user_and_a_fork_bomb_cannot_reach_it():
    worker = WarmStart()
    try:
        current = worker.kernel(None)
        waiting = worker.next
        assert current.started and waiting.started
        assert current.jail.uid != waiting.jail.uid
        assert current.workdir != waiting.workdir

        bomb = new_notebook(cells=[new_code_cell(FORK_BOMB)])
        execute.run(bomb, current, LIMITS)
        current.close()
        assert _outputs(bomb) == ["True BlockingIOError"]

        taken = worker.kernel(None)
        assert taken is waiting and worker.next is not waiting and worker.next.started
        nb = new_notebook(cells=[new_code_cell("import os\nstart = os.getcwd()\n"
                                               "print(sorted(k for k in dir() if k[0] != '_'))"),
                                 new_code_cell(THREADS_AND_A_PROCESS)])
        log = execute.run(nb, taken, LIMITS)
        assert log.errors == {} and log.stopped == ""
        # the kernel prepared grading as it started, and left no name of its own behind
        assert _outputs(nb) == ["['In', 'Out', 'exit', 'get_ipython', 'open', 'os', "
                                "'prepare_grading', 'quit', 'start']", "child True"]
        taken.close()
        assert not taken.workdir.exists()
    finally:
        worker.teardown(None)
    assert worker.next is None
