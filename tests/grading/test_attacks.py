"""Hostile and broken submissions, graded in one batch beside honest ones (slow).

Each notebook in tests/fixtures/attacks/ is a cnn_mnist submission named after what it tries;
all of them answer scale_mnist_data wrongly (unscaled images) and leave the other functions
blank, so the honest part of each is worth 0 points. A few cases are made by the test itself
(they need a port, a symbolic link or 50 MB). The batch also holds the solution and the solution
printing to stderr, graded on the sample of MNIST; their grades and files must come out untouched.
The batch runs under short time limits, so that the loops and sleeps cost 20 s each; the memory
bomb is graded after it, into the same course, under roomier ones (see ROOMY).
"""

import base64
import hashlib
import json
import re
import shutil
import socket

import nbformat
import pytest

import course_config
from autograder.course import Course
from autograder.grading.execute import Limits
from tests.conftest import (
    FIXTURES,
    REPO,
    failures,
    grade_here,
    make_course,
    training_on_sample,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("attacks")]
ATTACKS = FIXTURES / "attacks"
FULL = sum(course_config.ASSIGNMENTS["cnn_mnist"].points.values())
UNSCALED = ("scale_mnist_data: the training images: expected values in [0, 1], found values "
            "from 0 to 255. They look unscaled.")
DIED = ("the kernel died while running cell {} (it may have run out of memory, crashed or called "
        "exit)")
OOM = "the kernel died while running cell {} (it used more than its memory limit of 4 GB)"
# what the report says for each case: the problem that stopped grading, or the notes, or the
# message of scale_mnist_data when the honest (wrong) answer is what costs the points
REASONS = {
    "empty_file": ("problem", "empty_file.ipynb is empty"),
    "invalid_json": ("problem", "invalid_json.ipynb is not valid JSON, so not a notebook"),
    "not_a_notebook": ("problem", "not_a_notebook.ipynb could not be read ('utf-8' codec can't "
                                  "decode byte 0x89 in position 0: invalid start byte)"),
    "linked_to_the_source_notebook": ("problem", "cnn_mnist.ipynb is a symbolic link, not a "
                                                 "notebook: submit the notebook file itself"),
    "missing_notebook": ("problem", "no notebook named cnn_mnist.ipynb was submitted"),
    "memory_bomb": ("notes", [OOM.format(8)]),
    # its processes die at the limit, or keep the kernel busy past its interrupt: either ends it
    "fork_bomb": ("begins", ("the kernel died while running cell ",
                             "cell 8 ran longer than 20 s and went on after it was interrupted; "
                             "the notebook was stopped there")),
    "thread_bomb": ("begins", "the kernel died while running cell "),
    "os_exit": ("notes", [DIED.format(8)]),
    "segfault_through_ctypes": ("notes", [DIED.format(8)]),
    "nbformat_3": ("begins", "put back cell intro, which was missing"),
    "always_equal_objects": ("scale", "scale_mnist_data: the scaled training images: expected a "
                                      "NumPy array, found a value of type Anything."),
    "sigint_ignored_loop": ("notes", ["cell 8 ran longer than 20 s and went on after it was "
                                      "interrupted; the notebook was stopped there"]),
    "edited_test_cell": ("notes", ["restored cell test_scale_mnist_data, which had been edited"]),
    "retagged_test_cell": ("notes", ["restored cell test_scale_mnist_data, which had been "
                                     "edited"]),
    "changed_cell_ids_and_checksums": ("notes", ["restored cell test_scale_mnist_data, which had "
                                                 "been edited"]),
    "deleted_test_cell": ("notes", ["put back cell test_scale_mnist_data, which was missing"]),
    "duplicated_test_cell": ("notes", ["restored cell test_scale_mnist_data, which had been "
                                       "edited", "dropped a duplicate of cell "
                                                 "test_scale_mnist_data"]),
}
# A memory bomb fills its 4 GB in 2 to 3 s (measured while the whole suite ran), but how long it
# takes depends on the machine's load, and twice in full runs it did not reach its limit within
# the batch's 20 s per cell: it is graded alone, with as much time as a cell gets in a course.
ROOMY = Limits(cell_s=course_config.CELL_TIMEOUT_S, notebook_s=course_config.CELL_TIMEOUT_S + 60)
GRADED_ALONE = "memory_bomb"
# these run to the end and lose the points of their wrong answer, with its plain message
UNSCALED_CASES = (
    "infinite_loop", "sleep_forever", "sys_exit", "hundred_mb_of_output",
    "two_gb_file", "reads_the_source_notebook", "reads_the_gradebook",
    "reads_another_students_submission", "writes_the_gradebook", "patches_numpy_testing",
    "patches_the_checks_library", "patches_the_probe", "fake_model_class",
    "input_transformer_hides_errors", "custom_exception_handler", "redefines_assertion_error",
    "kernelspec_of_another_language", "network_to_the_hosts_loopback", "huge_notebook",
    "symlink_out_of_the_submission",
)
# the limits these ran into, noted in the report beside the message of their wrong answer
LIMITED = {
    "infinite_loop": ["cell 8 ran longer than 20 s and was stopped"],
    "sleep_forever": ["cell 8 ran longer than 20 s and was stopped"],
    "hundred_mb_of_output": ["the notebook printed more than 2 MB; the rest of its output was "
                             "dropped"],
    "two_gb_file": ["cell 8 tried to write a file larger than 256 MB, the limit; the write "
                    "failed"],
}
HONEST = ("honest_solution", "solution_printing_to_stderr")
# an otherwise correct solution whose train_model trains on the test images it finds
TEST_IMAGES = "trains_on_the_test_images"


def _made_here(folder, port: int) -> None:
    """The cases that need this run's port, a link, or too much data to commit."""
    release = nbformat.read(ATTACKS / "infinite_loop.ipynb", as_version=4)
    network = nbformat.v4.new_code_cell(
        f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'x')")
    release.cells[7] = network  # the attack's cell
    nbformat.write(release, folder / "network_to_the_hosts_loopback.ipynb")
    huge = nbformat.read(ATTACKS / "infinite_loop.ipynb", as_version=4)
    image = base64.b64encode(b"\x89PNG" + b"\0" * 3 * 1024**2).decode()
    huge.cells[7] = nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": image}) for _ in range(12)])
    nbformat.write(huge, folder / "huge_notebook.ipynb")
    for student, target in (("linked_to_the_source_notebook",
                             REPO / course_config.SOURCE_DIR / "cnn_mnist" / "cnn_mnist.ipynb"),
                            ("symlink_out_of_the_submission", None)):
        own = folder / student / "cnn_mnist"
        own.mkdir(parents=True)
        if target:
            (own / "cnn_mnist.ipynb").symlink_to(target)
        else:
            shutil.copy(ATTACKS / "reads_the_source_notebook.ipynb", own / "cnn_mnist.ipynb")
            (own / "solutions.ipynb").symlink_to(REPO / course_config.SOURCE_DIR / "cnn_mnist" /
                                                 "cnn_mnist.ipynb")
    (folder / "missing_notebook" / "cnn_mnist").mkdir(parents=True)
    solution = nbformat.read(FIXTURES / "cnn_mnist" / "solution.ipynb", as_version=4)
    nbformat.write(solution, folder / "honest_solution.ipynb")
    for cell in solution.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "import sys\nprint('a warning', file=sys.stderr)\n" + cell.source
    nbformat.write(solution, folder / "solution_printing_to_stderr.ipynb")


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_client, mnist_sample):
    root = tmp_path_factory.mktemp("attacks")
    course = Course.at(make_course(root / "course"))
    submissions, alone = root / "submitted", root / "graded_alone"
    shutil.copytree(ATTACKS, submissions)
    alone.mkdir()
    shutil.move(submissions / f"{GRADED_ALONE}.ipynb", alone)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0)
        _made_here(submissions, listener.getsockname()[1])
        before = {p: hashlib.sha256(p.read_bytes()).hexdigest()
                  for folder in (submissions, alone)
                  for p in folder.rglob("*.ipynb") if not p.is_symlink()}
        with training_on_sample("cnn_mnist", mnist_sample):
            reports = grade_here(grading_client, course, "cnn_mnist", submissions,
                                 limits=Limits(cell_s=20, notebook_s=120))
            reports += grade_here(grading_client, course, "cnn_mnist", alone, limits=ROOMY)
        try:
            reached = listener.accept()[0].recv(1)
        except BlockingIOError:
            reached = b""
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before}
    return course, {r.student: r for r in reports}, before == after, reached


def test_the_corpus_has_thirty_cases_and_the_batch_graded_them_all(graded):
    _, reports, _, _ = graded
    attacks = set(reports) - set(HONEST)
    assert len(attacks) >= 30
    assert attacks == set(REASONS) | set(UNSCALED_CASES) | {TEST_IMAGES}


@pytest.mark.parametrize("student", sorted(set(REASONS) | set(UNSCALED_CASES)))
def test_an_attack_gains_nothing_and_the_report_says_why(graded, student):
    _, reports, _, _ = graded
    report = reports[student]
    assert report.score == 0
    kind, expected = REASONS.get(student, ("scale", UNSCALED))
    if kind == "problem":
        assert report.problem == expected
    elif kind == "notes":
        assert report.notes == expected
    elif kind == "begins":
        assert any(note.startswith(expected) for note in report.notes), report.notes
    else:
        scale = next(r for r in report.results if r.function == "scale_mnist_data")
        assert scale.messages == [expected]
        assert report.notes == LIMITED.get(student, [])


def test_honest_students_get_full_marks_even_when_they_print_to_stderr(graded):
    course, reports, _, _ = graded
    from autograder import gradebook

    for student in HONEST:
        assert reports[student].score == FULL, reports[student].to_dict()
    assert {s: gradebook.scores("cnn_mnist", course.db_url)[s] for s in HONEST} == \
        dict.fromkeys(HONEST, FULL)


def test_no_submission_was_changed_and_the_network_was_never_reached(graded):
    _, _, unchanged, reached = graded
    assert unchanged
    assert reached == b""


def test_every_report_is_recorded(graded):
    course, reports, _, _ = graded
    stored = {p.parent.parent.name for p in course.root.glob(
        f"{course_config.AUTOGRADED_DIR}/*/cnn_mnist/results.json")}
    assert stored == set(reports)
    assert all(json.loads((course.autograded("cnn_mnist", s) / "results.json").read_text())
               ["score"] == reports[s].score for s in reports)


def test_training_on_the_test_images_is_scored_on_images_the_kernel_never_had(graded):
    course, reports, _, _ = graded
    report = reports[TEST_IMAGES]
    nb = nbformat.read(course.autograded("cnn_mnist", TEST_IMAGES) / "cnn_mnist.ipynb", 4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    count, seen = re.search(r"trained on (\d+) test images; accuracy on them: ([\d.]+)",
                            printed).groups()
    assert int(count) == 5000  # the sample's 10,000 test images less the 5,000 held out
    train = next(r for r in report.results if r.function == "train_model")
    accuracy = next(c for c in train.checks if c.name.startswith("test accuracy"))
    held = accuracy.details["test_accuracy"] if accuracy.passed else \
        float(re.search(r"found ([\d.]+)", accuracy.message).group(1))
    assert held < float(seen) - 0.01  # what it learnt by heart is not what earns the points
    assert set(failures(report)) <= {"train_model"}
