"""``autograder check``: quick by default, and plain about what runs only at grading time."""

import nbformat

from autograder.student_check import check_notebook, quick_cells
from tests.conftest import FIXTURES, REPO

LAYER = "get_model: layer 1 (Conv2D): expected padding 'same', found 'valid'."


def test_quick_cells_keep_setup_answers_and_the_checks_that_train_nothing():
    nb = nbformat.read(REPO / "release" / "cnn_mnist" / "cnn_mnist.ipynb", as_version=4)
    kept = [cell.metadata.get("nbgrader", {}).get("grade_id")
            for cell in quick_cells(nb, frozenset({"train_model"})).cells]
    assert kept == ["imports", "load_data", None,  # the setup, up to the first answer cell
                    "scale_mnist_data", "test_scale_mnist_data", "get_model", "test_get_model",
                    "compile_model", "test_compile_model", "train_model", "evaluate_model",
                    "test_evaluate_model"]


def test_quick_check_finds_the_wrong_layer_and_lists_the_checks_left_for_grading():
    checked = check_notebook(FIXTURES / "cnn_mnist" / "valid_padding.ipynb")
    results = {result.function: result for result in checked.results}
    assert not checked.passed
    assert results["get_model"].messages == [LAYER]
    assert [r.function for r in checked.results if r.passed] == [
        "scale_mnist_data", "compile_model", "evaluate_model"]
    assert checked.trains == ["train_model"]
    assert results["train_model"].messages == [
        "train_model trains a network, so the quick check leaves it out: run `autograder "
        "check --full` or wait for grading."]
    assert checked.at_grading["scale_mnist_data"] == [
        "the training images are divided by 255", "the test images are divided by 255",
        "inputs not modified"]
    assert "train_model" not in checked.at_grading
