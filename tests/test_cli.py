"""The command line and the in-notebook self-check, as a student and an instructor meet them."""

import copy
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import cli
from tests.conftest import FIXTURES, REPO, make_course
from tests.test_feedback import paragraph

ATTACKS = FIXTURES / "attacks"
# the attack corpus's broken files (and a student folder without its notebook), with why each
# could not be graded
BROKEN = {
    "empty_file": "empty_file.ipynb is empty",
    "invalid_json": "invalid_json.ipynb is not valid JSON, so not a notebook",
    "missing_notebook": "no notebook named cnn_mnist.ipynb was submitted",
    "not_a_notebook": "not_a_notebook.ipynb could not be read ('utf-8' codec can't decode byte "
                      "0x89 in position 0: invalid start byte)",
}
ANSWERED = ("scale_mnist_data", "get_model", "compile_model")  # 4 of 7 points, nothing trained


def test_check_on_a_blank_notebook_prints_one_message_per_function(capsys):
    code = cli.main(["check", str(FIXTURES / "cnn_mnist" / "blank.ipynb")])
    out = capsys.readouterr().out
    assert code == 1
    for function in ("scale_mnist_data", "get_model", "compile_model", "evaluate_model"):
        assert f"{function} is not written yet: it still raises" in out
    assert "train_model trains a network, so the quick check leaves it out" in out
    assert "Traceback" not in out


def test_full_check_on_a_blank_notebook_checks_the_training_function_too(capsys):
    code = cli.main(["check", "--full", str(FIXTURES / "cnn_mnist" / "blank.ipynb")])
    out = capsys.readouterr().out
    assert code == 1
    assert "train_model is not written yet: it still raises" in out
    assert "quick check" not in out


def test_self_check_in_a_students_kernel_shows_our_message_not_a_traceback(tmp_path):
    nb = nbformat.read(FIXTURES / "cnn_mnist" / "valid_padding.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    student = copy.deepcopy(nb)
    student.cells = nb.cells[: ids.index("test_get_model") + 1]
    NotebookClient(student, timeout=300, allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = student.cells[-1].outputs
    assert [o.output_type for o in outputs] == ["error"]
    assert outputs[0].traceback == [
        "✘ get_model: 0/2 points.",
        "  get_model: layer 1 (Conv2D): expected padding 'same', found 'valid'."]
    scale = student.cells[ids.index("test_scale_mnist_data")].outputs
    assert scale[0].text == ("✔ scale_mnist_data: all 7 checks passed (1/1 points).\n"
                             "  3 more check(s) run when your notebook is graded.\n")


def test_release_command_names_the_assignment_choices(capsys):
    try:
        cli.main(["release", "no_such_assignment"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "invalid choice: 'no_such_assignment'" in capsys.readouterr().err
    assert (REPO / "release" / "cnn_mnist" / "cnn_mnist.ipynb").is_file()


def test_grade_without_a_submissions_folder_says_where_it_looked(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    assert cli.main(["--course", str(course), "grade", "cnn_mnist"]) == 1
    assert capsys.readouterr().err == (
        f"no submissions folder at {course.resolve() / 'submitted'}: put each submission there as "
        "<student>/cnn_mnist/<notebook>.ipynb (nbgrader's layout) or <student>.ipynb, or pass "
        "the folder that holds them\n")
    assert not (course / "autograded").exists()


def test_grade_on_a_folder_of_another_layout_says_what_it_looked_for_and_found(tmp_path,
                                                                              capsys):
    course = make_course(tmp_path / "course")
    submissions = tmp_path / "subs"
    for student in ("alice", "bob"):  # <student>/<notebook>.ipynb: neither layout
        (submissions / student).mkdir(parents=True)
        (submissions / student / "cnn_mnist.ipynb").write_text("{}")
    (submissions / "notes.txt").write_text("")
    assert cli.main(["--course", str(course), "grade", "cnn_mnist", str(submissions)]) == 1
    assert capsys.readouterr().err == (
        f"no submissions of cnn_mnist found in {submissions}: looked for "
        "<student>/cnn_mnist/cnn_mnist.ipynb (nbgrader's layout) and <student>.ipynb (a flat "
        "folder), and found alice/cnn_mnist.ipynb; bob/cnn_mnist.ipynb; notes.txt instead. Move "
        "each notebook to <student>/cnn_mnist/cnn_mnist.ipynb or to <student>.ipynb in that "
        "folder.\n")
    assert not (course / "autograded").exists()


def _broken_class(folder: Path, broken: tuple[str, ...] = tuple(BROKEN)) -> Path:
    """Submissions of the ``broken`` cases of BROKEN, made as the attack tests make them."""
    folder.mkdir()
    for student in broken:
        if student == "missing_notebook":
            (folder / student / "cnn_mnist").mkdir(parents=True)
        else:
            shutil.copy(ATTACKS / f"{student}.ipynb", folder)
    return folder


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _partly_answered() -> nbformat.NotebookNode:
    """The blank release with the solution's answers for ANSWERED."""
    nb = nbformat.read(FIXTURES / "cnn_mnist" / "blank.ipynb", as_version=4)
    solution = nbformat.read(FIXTURES / "cnn_mnist" / "solution.ipynb", as_version=4)
    answers = {_grade_id(cell): cell.source for cell in solution.cells}
    for cell in nb.cells:
        if _grade_id(cell) in ANSWERED:
            cell.source = answers[_grade_id(cell)]
    return nb


def test_grade_writes_every_students_feedback_when_some_submissions_are_broken(
        grading_client, tmp_path, capsys):
    course = make_course(tmp_path / "course").resolve()
    submitted = _broken_class(tmp_path / "submitted")
    nbformat.write(_partly_answered(), submitted / "zoe.ipynb")  # sorted after the broken ones

    code = cli.main(["--course", str(course), "grade", "cnn_mnist", str(submitted),
                     "--scheduler", grading_client.scheduler.address])

    out = capsys.readouterr().out
    assert code == 0
    assert out.endswith(f"feedback: {course}/feedback/<student>/cnn_mnist/index.html\n")
    assert "feedback not written" not in out
    for student, why in BROKEN.items():
        page = course / "feedback" / student / "cnn_mnist" / "index.html"
        assert paragraph(page, "problem") == f"Your notebook could not be graded: {why}."
        assert paragraph(page, "score") == "Automatic points: 0 / 7"
        assert "Traceback" not in page.read_text()
        assert sorted(path.name for path in page.parent.iterdir()) == ["index.html"]
    page = course / "feedback" / "zoe" / "cnn_mnist" / "index.html"
    assert paragraph(page, "score") == "Automatic points: 4 / 7"
    assert paragraph(page, "problem") is None
    assert (page.parent / "cnn_mnist.html").is_file()
    assert 'href="cnn_mnist.html"' in page.read_text()


def test_grade_says_in_one_line_whose_feedback_could_not_be_written_and_exits_normally(
        grading_client, tmp_path, capsys):
    course = make_course(tmp_path / "course").resolve()
    submitted = _broken_class(tmp_path / "submitted", ("empty_file", "invalid_json"))
    blocked = course / "feedback" / "empty_file"  # a file where the student's folder goes
    blocked.parent.mkdir()
    blocked.write_text("not a folder")

    code = cli.main(["--course", str(course), "grade", "cnn_mnist", str(submitted),
                     "--scheduler", grading_client.scheduler.address])

    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-1] == (
        "feedback not written in full for 1 student(s): empty_file: its page could not be "
        f"written (NotADirectoryError: [Errno 20] Not a directory: '{blocked}/cnn_mnist')")
    assert paragraph(course / "feedback" / "invalid_json" / "cnn_mnist" / "index.html",
                     "problem") == f"Your notebook could not be graded: {BROKEN['invalid_json']}."
