"""The kit as a Gradescope autograder, on submissions that fail before any cell runs."""

import json

from autograder import gradescope
from tests.test_exports import check_gradescope_schema

NOT_JSON = "cnn_mnist.ipynb is not valid JSON, so not a notebook"
FUNCTIONS = ["scale_mnist_data", "get_model", "compile_model", "train_model", "evaluate_model"]


def test_a_notebook_that_is_not_json_gets_zero_and_a_plain_message(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "cnn_mnist.ipynb").write_text("{not a notebook")
    (tmp_path / "submission_metadata.json").write_text(
        json.dumps({"created_at": "2026-10-16T18:30:00.000000-07:00"}))  # 01:30 UTC, late
    results_file = tmp_path / "results" / "results.json"
    assert gradescope.gradescope_command(submission, results_file) == 0
    results = json.loads(results_file.read_text())
    check_gradescope_schema(results)
    assert results["score"] == 0
    assert results["output"] == (
        f"Your notebook could not be graded: {NOT_JSON}.\n"
        "Score: 0 of 7 points.\n"
        "Submitted 1 h 31 min late: no points taken off, as the score is 0.")
    assert [(t["name"], t["score"], t["status"], t["output"]) for t in results["tests"]] == [
        *((f, 0.0, "failed", f"{f} was not checked: {NOT_JSON}.") for f in FUNCTIONS),
        ("Late submission", 0.0, "failed",
         "Submitted 1 h 31 min late: no points taken off, as the score is 0.")]


def test_a_submission_without_a_course_notebook_says_what_to_upload(tmp_path, capsys):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "homework.ipynb").write_text("{}")
    results_file = tmp_path / "results.json"
    assert gradescope.gradescope_command(tmp_path / "submission", results_file) == 0
    results = json.loads(results_file.read_text())
    check_gradescope_schema(results)
    assert (results["score"], results["tests"]) == (0.0, [])
    assert results["output"] == (
        "No notebook of this course was found in your submission: upload your notebook under "
        "its name, one of cnn_mnist.ipynb, keras_digits.ipynb, mnist_baselines.ipynb, "
        "improve_mnist.ipynb, digit_sum.ipynb.")
    assert capsys.readouterr().out == f"{results_file}: 0 points\n"


def test_the_assignment_given_finds_a_notebook_under_another_name(tmp_path):
    (tmp_path / "upload").mkdir()
    (tmp_path / "upload" / "cnn_mnist (1).ipynb").write_text("{}")
    assert gradescope.find_assignment(tmp_path) is None
    assert gradescope.find_notebook(tmp_path, "cnn_mnist") == tmp_path / "upload" / \
        "cnn_mnist (1).ipynb"
    assert gradescope.find_notebook(tmp_path / "upload", "digit_sum") == tmp_path / "upload" / \
        "cnn_mnist (1).ipynb"
    (tmp_path / "cnn_mnist.ipynb").write_text("{}")
    assert gradescope.find_assignment(tmp_path) == "cnn_mnist"
    assert gradescope.find_notebook(tmp_path, "cnn_mnist") == tmp_path / "cnn_mnist.ipynb"
    assert gradescope.find_notebook(tmp_path, "digit_sum") == tmp_path / "digit_sum.ipynb"


def test_a_grader_failure_still_leaves_results(tmp_path, monkeypatch):
    def broken(folder, assignment):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(gradescope, "grade_submission", broken)
    results_file = tmp_path / "results.json"
    assert gradescope.gradescope_command(tmp_path, results_file, "cnn_mnist") == 1
    results = json.loads(results_file.read_text())
    check_gradescope_schema(results)
    assert results["output"] == ("The autograder failed on this submission, not because of your "
                                 "notebook: please tell your instructor.")
    assert "internal detail" not in results_file.read_text()
