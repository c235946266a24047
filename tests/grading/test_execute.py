"""The execute stage: limits per cell and per notebook, dying kernels, the preamble."""

from nbformat.v4 import new_code_cell, new_notebook

from autograder.grading.execute import Limits, execute


def run(sources, tmp_path, limits):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    log = execute(nb, tmp_path, tmp_path / "probes", limits)
    return nb, log


def test_a_looping_cell_is_interrupted_and_the_rest_still_runs(tmp_path):
    nb, log = run(["while True:\n    pass", "print('after')"], tmp_path,
                  Limits(cell_s=5, notebook_s=120))
    assert log.timed_out == [0]
    assert log.errors[0] == "TimeoutError: the cell ran longer than 5 s"
    assert nb.cells[1].outputs[0].text == "after\n"
    assert log.stopped == ""
    assert log.notes == ["cell 1 ran longer than 5 s and was stopped"]
    assert len(nb.cells) == 2  # the preamble is gone


def test_a_cell_that_goes_on_after_its_interrupt_ends_the_run_there(tmp_path):
    nb, log = run(["import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                   "while True:\n    pass", "print('never')"], tmp_path,
                  Limits(cell_s=3, notebook_s=600))
    assert log.stopped == ("cell 1 ran longer than 3 s and went on after it was interrupted; "
                           "the notebook was stopped there")
    assert log.timed_out == [0] and log.notes == []
    assert not nb.cells[1].get("outputs")
    assert log.seconds < 300  # not held until the notebook's own limit


def test_a_kernel_that_exits_ends_the_run_with_a_reason(tmp_path):
    nb, log = run(["x = 1", "import os\nos._exit(0)", "print('never')"], tmp_path,
                  Limits(cell_s=30, notebook_s=120))
    assert log.stopped == ("the kernel died while running cell 2 (it may have run out of "
                           "memory, crashed or called exit)")
    assert not nb.cells[2].get("outputs")


def test_the_preamble_fixes_seed_threads_and_determinism(tmp_path):
    nb, log = run(["import numpy as np, random, tensorflow as tf\n"
                   "from tensorflow.python.framework import config\n"
                   "print(np.random.randint(1000), random.randint(0, 1000),\n"
                   "      tf.config.threading.get_intra_op_parallelism_threads(),\n"
                   "      config.is_op_determinism_enabled())"], tmp_path,
                  Limits(cell_s=60, notebook_s=120))
    first = nb.cells[0].outputs[0].text
    nb, _ = run([nb.cells[0].source], tmp_path, Limits(cell_s=60, notebook_s=120))
    assert nb.cells[0].outputs[0].text == first
    assert first.split()[2:] == ["1", "True"]


def test_a_notebook_past_its_total_limit_is_stopped(tmp_path):
    _, log = run(["import time\ntime.sleep(4)"] * 4, tmp_path, Limits(cell_s=30, notebook_s=12))
    assert "the notebook ran longer than its limit of 12 s" in log.stopped
