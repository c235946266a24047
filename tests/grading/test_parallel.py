"""Grading a class on Dask worker processes: one writer, a killed worker, a rerun that grades
only what changed, a PostgreSQL gradebook, an existing cluster, and the same scores in parallel.

The cluster's workers read the MNIST sample (6,000 training images), so the one notebook here
that trains does so in seconds; the others are the blank release and cheap defects.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import cli, gradebook
from autograder.course import Course
from autograder.grading import cluster, pipeline, sandbox
from autograder.grading.worker import PLUGIN
from tests.conftest import FIXTURES, make_course, training_on_sample

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dask")]
BLANK = FIXTURES / "cnn_mnist" / "blank.ipynb"
BLANK_MESSAGES = {f"{f} is not written yet: it still raises NotImplementedError."
                  for f in ("scale_mnist_data", "get_model", "compile_model", "train_model",
                            "evaluate_model")}


@pytest.fixture(scope="module")
def workers(mnist_sample):
    """Two worker processes, started while MNIST_PATH names the sample (they read it)."""
    with training_on_sample("cnn_mnist", mnist_sample), cluster.connect(workers=2) as client:
        yield client


def _class(root: Path, notebooks: dict[str, Path]) -> Path:
    """Submissions in nbgrader's layout: <root>/<student>/cnn_mnist/cnn_mnist.ipynb."""
    for student, notebook in notebooks.items():
        folder = root / student / "cnn_mnist"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, folder / "cnn_mnist.ipynb")
    return root


def _messages(report) -> set[str]:
    return {m for result in report.results for m in result.messages}


def test_a_worker_killed_mid_grade_leaves_that_submission_regraded_and_nothing_lost(
        workers, tmp_path):
    course = Course.at(make_course(tmp_path / "course"))
    invalid = tmp_path / "invalid.ipynb"
    invalid.write_text("{")
    submitted = _class(tmp_path / "submitted", {
        "ada": BLANK, "grace": BLANK, "sleeper": FIXTURES / "parallel" /
        "sleeps_thirty_seconds.ipynb", "broken": invalid})
    plan = pipeline.plan(course, "cnn_mnist", submitted)
    done: list[str] = []
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(
        outcome=pipeline.run(plan, workers, lambda report: done.append(report.student))))
    thread.start()
    victim = None
    for _ in range(240):  # find the worker grading the sleeper, let its kernel start, kill it
        victim = next((address for address, keys in workers.processing().items()
                       if any("-sleeper-" in str(key) for key in keys)), None)
        if victim:
            break
        time.sleep(0.5)
    assert victim, "the sleeper was never graded"
    time.sleep(12)
    pid = workers.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=600)
    outcome = result["outcome"]
    assert not outcome.failed
    assert sorted(done) == ["ada", "broken", "grace", "sleeper"]  # each recorded exactly once
    reports = {report.student: report for report in outcome.reports}
    assert _messages(reports["sleeper"]) == BLANK_MESSAGES  # graded to the end, after the kill
    assert reports["broken"].problem == "cnn_mnist.ipynb is not valid JSON, so not a notebook"
    assert gradebook.scores("cnn_mnist", course.db_url) == dict.fromkeys(done, 0.0)
    for student in done:
        stored = json.loads((course.autograded("cnn_mnist", student) / "results.json")
                            .read_text())
        assert stored["key"] == plan.keys[student]
    assert pid not in workers.run(os.getpid).values()  # the nanny started a new worker
    # which removed the folders and cgroups of the killed worker and its kernels
    assert [path for parent in (Path(tempfile.gettempdir()), *sandbox.cgroup_parents())
            for path in parent.glob(f"autograder-*-{pid}-*")] == []


def test_a_worker_starts_a_kernel_ahead_only_for_a_submission_it_will_grade(workers, tmp_path):
    def state(dask_worker) -> tuple[int, bool]:  # tasks run so far, a kernel left waiting
        return dask_worker.state.executed_count, dask_worker.plugins[PLUGIN].next is not None

    before = workers.run(state)
    course = Course.at(make_course(tmp_path / "course"))
    submitted = _class(tmp_path / "submitted", {f"s{n}": BLANK for n in range(5)})
    outcome = pipeline.run(pipeline.plan(course, "cnn_mnist", submitted), workers)
    assert [_messages(report) for report in outcome.reports] == [BLANK_MESSAGES] * 5
    after = workers.run(state)
    graded = [address for address in after if after[address][0] > before[address][0]]
    assert graded  # every worker that graded has no kernel waiting once the class is done
    assert {address: after[address][1] for address in graded} == dict.fromkeys(graded, False)


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server from Debian's packages, started for this module, on a Unix socket."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    assert binaries, "PostgreSQL is not installed (Debian package postgresql; .ci/run adds it)"
    bin_dir = binaries[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        folder.chmod(0o755)
        shutil.chown(folder, "postgres")

    def pg(*command: str) -> None:
        subprocess.run([*as_postgres, str(bin_dir / command[0]), *command[1:]], check=True,
                       capture_output=True)

    pg("initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres")
    pg("pg_ctl", "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "-o",
       f"-k {folder} -c listen_addresses=''", "start")
    try:
        pg("createdb", "-h", str(folder), "-U", "postgres", "gradebook")
        yield f"postgresql://postgres@/gradebook?host={folder}"
    finally:
        pg("pg_ctl", "-D", str(folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_the_command_grades_into_postgresql_on_a_running_cluster_and_reruns_only_changes(
        workers, postgres, tmp_path, capsys):
    root = make_course(tmp_path / "course")
    submitted = _class(tmp_path / "submitted", {"ada": BLANK, "grace": BLANK, "alan": BLANK})
    command = ["--course", str(root), "--db", postgres, "grade", "cnn_mnist", str(submitted),
               "--no-feedback", "--scheduler", workers.scheduler.address]
    assert cli.main(command) == 0
    out = capsys.readouterr().out
    assert "graded 3 submission(s) in" in out and "3/3" in out
    assert gradebook.scores("cnn_mnist", postgres) == {"ada": 0.0, "alan": 0.0, "grace": 0.0}
    assert not (root / "gradebook.db").exists()

    notebook = submitted / "grace" / "cnn_mnist" / "cnn_mnist.ipynb"  # grace resubmits
    resubmitted = nbformat.read(notebook, as_version=4)
    resubmitted.cells.append(nbformat.v4.new_markdown_cell("I will finish it tomorrow."))
    nbformat.write(resubmitted, notebook)
    assert cli.main(command) == 0
    out = capsys.readouterr().out
    assert "graded grace: 0/7" in out and "graded ada" not in out and "graded alan" not in out
    assert "graded 1 submission(s) in" in out
    assert "2 already graded and unchanged, not graded again (--regrade grades them again)" in out

    assert cli.main([*command, "--regrade"]) == 0
    out = capsys.readouterr().out
    assert "graded 3 submission(s) in" in out and "already graded" not in out
    with Gradebook(postgres) as gb:  # one submission per student, however often graded
        assert sorted(s.student.id for s in gb.find_assignment("cnn_mnist").submissions) == [
            "ada", "alan", "grace"]


def test_a_submission_graded_alone_and_among_others_in_parallel_gets_the_same_results(
        workers, tmp_path):
    trains = FIXTURES / "cnn_mnist" / "sixteen_filters.ipynb"
    course = Course.at(make_course(tmp_path / "course"))
    alone = pipeline.run(pipeline.plan(course, "cnn_mnist", _class(tmp_path / "alone",
                                                                   {"ada": trains})), workers)
    among = pipeline.run(pipeline.plan(course, "cnn_mnist", _class(
        tmp_path / "among", {name: trains for name in ("b1", "b2", "b3", "b4")})), workers)
    expected = [result.to_dict() for result in alone.reports[0].results]
    accuracy = [c for r in expected for c in r["checks"]
                if "test_accuracy" in c["details"] or "test accuracy" in c["message"]]
    assert accuracy, "the grader measured no accuracy to compare"
    assert [[r.to_dict() for r in report.results] for report in among.reports] == [expected] * 4
