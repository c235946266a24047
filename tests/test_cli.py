"""The command line and the in-notebook self-check, as a student and an instructor meet them."""

import copy

import nbformat
from nbclient import NotebookClient

from autograder import cli
from tests.conftest import FIXTURES, REPO, make_course


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
