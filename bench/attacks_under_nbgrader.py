"""What plain nbgrader does with the attack corpus: the measured column of docs/sandbox.md's table.

    .venv/bin/python bench/attacks_under_nbgrader.py [CASE ...]

Grades every notebook of tests/fixtures/attacks, and the cases the test makes (a connection to
a listener on this machine's loopback, a notebook symlinked to the source notebook, a link out of
the submission folder, a 50 MB notebook, the honest solution, also printing to stderr), with
``nbgrader autograde``, one student at a time, in a throwaway nbgrader course built from source/,
with nbgrader's defaults (30 s per cell, no sandbox). Every notebook's honest part is worth 0 of
7 points, except the solutions'. Prints one line per case: the score nbgrader gave, whether the
attack's own cell ran without an error (and the start of what it printed), and what it reached;
then any student whose score changed after their own grading.

nbgrader has no memory or process limit. So that a memory or fork bomb cannot take this shared
machine down, each autograde runs in a cgroup of 6 GB and 1,024 processes (where the machine has
cgroup v1 and this runs as root); a case that ran into it says so.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ATTACKS = REPO / "tests" / "fixtures" / "attacks"
GROUP = "bench-nbgrader"
CGROUPS = Path("/sys/fs/cgroup")
LIMITS = {"memory": ("memory.limit_in_bytes", 6 * 1024**3), "pids": ("pids.max", 1024)}
ATTACK_CELL = 7  # where each fixture holds its attack (see tests/grading/test_attacks.py)


def _cgroup() -> list[str]:
    """A prefix that runs a command inside the bench's cgroup, or [] where there is none."""
    if os.geteuid() != 0 or not all((CGROUPS / c).is_dir() for c in LIMITS):
        return []
    for controller, (key, value) in LIMITS.items():
        group = CGROUPS / controller / GROUP
        group.mkdir(exist_ok=True)
        (group / key).write_text(str(value))
    join = " && ".join(f"echo $$ > {CGROUPS / c / GROUP / 'cgroup.procs'}" for c in LIMITS)
    return ["/bin/sh", "-c", f'{join} && exec "$@"', "bench"]


def _oom_kills() -> int:
    text = (CGROUPS / "memory" / GROUP / "memory.oom_control")
    if not text.exists():
        return 0
    fields = dict(line.split() for line in text.read_text().splitlines())
    return int(fields.get("oom_kill", 0))


def _cases(folder: Path, port: int) -> dict[str, Path | None]:
    """Every case: its notebook (a link for the symlink case), None for a missing notebook."""
    cases: dict[str, Path | None] = {p.stem: p for p in sorted(ATTACKS.glob("*.ipynb"))}
    release = nbformat.read(ATTACKS / "infinite_loop.ipynb", as_version=4)
    release.cells[ATTACK_CELL] = nbformat.v4.new_code_cell(
        f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'x')")
    nbformat.write(release, folder / "network_to_the_hosts_loopback.ipynb")
    cases["network_to_the_hosts_loopback"] = folder / "network_to_the_hosts_loopback.ipynb"
    huge = nbformat.read(ATTACKS / "infinite_loop.ipynb", as_version=4)
    image = base64.b64encode(b"\x89PNG" + b"\0" * 3 * 1024**2).decode()
    huge.cells[ATTACK_CELL] = nbformat.v4.new_code_cell("x = 1", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": image}) for _ in range(12)])
    nbformat.write(huge, folder / "huge_notebook.ipynb")
    cases["huge_notebook"] = folder / "huge_notebook.ipynb"
    solution = nbformat.read(REPO / "tests/fixtures/cnn_mnist/solution.ipynb", as_version=4)
    nbformat.write(solution, folder / "honest_solution.ipynb")
    cases["honest_solution"] = folder / "honest_solution.ipynb"
    for cell in solution.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "import sys\nprint('a warning', file=sys.stderr)\n" + cell.source
    nbformat.write(solution, folder / "solution_printing_to_stderr.ipynb")
    cases["solution_printing_to_stderr"] = folder / "solution_printing_to_stderr.ipynb"
    cases["symlink_out_of_the_submission"] = ATTACKS / "reads_the_source_notebook.ipynb"
    cases["missing_notebook"] = None
    return cases


def _score(course: Path, student: str) -> str:
    db = course / "gradebook.db"
    if not db.exists():
        return "-"
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "select sum(coalesce(g.manual_score, g.auto_score, 0) + "
            "coalesce(g.extra_credit, 0)) from grade g "
            "join submitted_notebook n on g.notebook_id = n.id "
            "join submitted_assignment a on n.assignment_id = a.id "
            "where a.student_id = ?", (student,)).fetchall()
    return "-" if not rows or rows[0][0] is None else f"{rows[0][0]:g}"


def _attack_cell(course: Path, student: str) -> str:
    graded = course / "autograded" / student / "cnn_mnist" / "cnn_mnist.ipynb"
    if not graded.exists():
        return "no graded notebook"
    try:
        cells = nbformat.read(graded, as_version=4).cells
    except Exception as error:  # noqa: BLE001 - a 2 GB output may not read back
        return f"unreadable ({type(error).__name__})"
    if len(cells) <= ATTACK_CELL or cells[ATTACK_CELL].cell_type != "code":
        return "n/a"
    outputs = cells[ATTACK_CELL].get("outputs", [])
    errors = [o for o in outputs if o.output_type == "error"]
    if errors:
        return f"failed ({errors[0].ename})"
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    return f"ran, printed {printed.splitlines()[0][:60]!r}" if printed.strip() else "ran"


def main() -> None:
    only = set(sys.argv[1:])
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               MNIST_PATH=os.environ.get("MNIST_PATH", str(REPO.parent / "shared/data/mnist.npz")))
    jail = _cgroup()
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as listener:
        root = Path(tmp)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0)
        course = root / "course"
        shutil.copytree(REPO / "source", course / "source")
        (course / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n")
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "cnn_mnist"], cwd=course,
                       env=env, check=True, capture_output=True)
        cases = _cases(root, listener.getsockname()[1])
        cases["linked_to_the_source_notebook"] = course / "source" / "cnn_mnist" / "cnn_mnist.ipynb"
        print(f"{'case':38} {'score':>5}  {'attack cell':22} {'s':>5}  notes")
        scores: dict[str, str] = {}
        for student, notebook in cases.items():
            if only and student not in only:
                continue
            target = course / "submitted" / student / "cnn_mnist"
            target.mkdir(parents=True)
            if student == "linked_to_the_source_notebook":
                (target / "cnn_mnist.ipynb").symlink_to(notebook)
            elif notebook is not None:
                shutil.copy(notebook, target / "cnn_mnist.ipynb")
            if student == "symlink_out_of_the_submission":
                (target / "solutions.ipynb").symlink_to(
                    course / "source" / "cnn_mnist" / "cnn_mnist.ipynb")
            before, started = _oom_kills(), time.monotonic()
            try:
                done = subprocess.run([*jail, str(BIN / "nbgrader"), "autograde", "cnn_mnist",
                                       f"--student={student}", "--create"], cwd=course, env=env,
                                      capture_output=True, text=True, timeout=900)
                notes = [f"exit {done.returncode}"]
            except subprocess.TimeoutExpired:
                notes = ["still running after 900 s, stopped by the bench"]
            seconds = time.monotonic() - started
            if _oom_kills() > before:
                notes.append("hit the bench's 6 GB cgroup")
            try:
                if listener.accept()[0].recv(1):
                    notes.append("reached the listener")
            except BlockingIOError:
                pass
            scores[student] = _score(course, student)
            print(f"{student:38} {scores[student]:>5}  "
                  f"{_attack_cell(course, student):22} {seconds:5.0f}  {'; '.join(notes)}",
                  flush=True)
        changed = {s: (was, _score(course, s)) for s, was in scores.items()
                   if _score(course, s) != was}
        print("scores changed after their own grading:",
              ", ".join(f"{s} {a} -> {b}" for s, (a, b) in changed.items()) or "none")


if __name__ == "__main__":
    main()
