"""Protected cells come back from source: edited, deleted, duplicated or re-tagged."""

import copy

import nbformat

from autograder.grading.restore import restore
from tests.conftest import REPO

SOURCE = nbformat.read(REPO / "source/cnn_mnist/cnn_mnist.ipynb", as_version=4)
RELEASE = nbformat.read(REPO / "release/cnn_mnist/cnn_mnist.ipynb", as_version=4)


def grade_ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_release_gets_the_hidden_tests_back_and_keeps_student_cells():
    student = copy.deepcopy(RELEASE)
    cell(student, "get_model").source = "def get_model(input_shape):\n    return 42"
    restored, notes = restore(student, SOURCE, RELEASE)
    assert "### BEGIN HIDDEN TESTS" in cell(restored, "test_get_model").source
    assert cell(restored, "get_model").source.endswith("return 42")
    assert grade_ids(restored) == grade_ids(SOURCE)
    assert notes == []


def test_edited_release_test_cell_is_noted():
    student = copy.deepcopy(RELEASE)
    cell(student, "test_compile_model").source = "print('ok')"
    _, notes = restore(student, SOURCE, RELEASE)
    assert notes == ["restored cell test_compile_model, which had been edited"]


def test_edited_test_cell_is_restored():
    student = copy.deepcopy(SOURCE)
    cell(student, "test_get_model").source = "pass  # all good"
    restored, notes = restore(student, SOURCE)
    assert cell(restored, "test_get_model").source == cell(SOURCE, "test_get_model").source
    assert notes == ["restored cell test_get_model, which had been edited"]


def test_deleted_test_cell_is_put_back_in_place():
    student = copy.deepcopy(SOURCE)
    student.cells = [c for c in student.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") != "test_compile_model"]
    restored, notes = restore(student, SOURCE)
    assert grade_ids(restored) == grade_ids(SOURCE)
    assert notes == ["put back cell test_compile_model, which was missing"]


def test_retagged_test_cell_is_put_back():
    student = copy.deepcopy(SOURCE)
    del cell(student, "test_train_model").metadata["nbgrader"]
    restored, notes = restore(student, SOURCE)
    assert cell(restored, "test_train_model").metadata.nbgrader.grade is True
    assert notes == ["put back cell test_train_model, which was missing"]


def test_duplicated_grade_id_keeps_one():
    student = copy.deepcopy(SOURCE)
    duplicate = copy.deepcopy(cell(student, "test_get_model"))
    duplicate.source = "print('full marks please')"
    student.cells.append(duplicate)
    restored, notes = restore(student, SOURCE)
    assert grade_ids(restored).count("test_get_model") == 1
    assert notes == ["dropped a duplicate of cell test_get_model"]


def test_a_copied_answer_cell_still_runs_under_no_grade_id():
    """Students duplicate a cell to try a variant: the later definition is the one they meant."""
    student = copy.deepcopy(RELEASE)
    copied = copy.deepcopy(cell(student, "get_model"))
    copied.source = "def get_model(input_shape):\n    return 'second try'"
    student.cells.insert(student.cells.index(cell(student, "get_model")) + 1, copied)
    restored, notes = restore(student, SOURCE, RELEASE)
    assert grade_ids(restored).count("get_model") == 1
    assert any(c.source == copied.source and "nbgrader" not in c.metadata
               for c in restored.cells)
    assert notes == ["kept a second cell get_model as ordinary code"]


def test_outputs_are_cleared_and_kernelspec_is_the_source_one():
    student = copy.deepcopy(SOURCE)
    student.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    cell(student, "scale_mnist_data").outputs = [nbformat.v4.new_output("stream", text="hi")]
    restored, _ = restore(student, SOURCE)
    assert restored.metadata.kernelspec.name == "python3"
    assert all(not c.get("outputs") for c in restored.cells)


def test_cells_put_back_keep_the_order_of_source():
    """A notebook without nbgrader metadata (an nbformat 3 file, say) gets every protected cell
    back, in order: the imports before the checks that use them."""
    student = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hi')")])
    student.metadata = copy.deepcopy(SOURCE.metadata)
    restored, _ = restore(student, SOURCE)
    back = [i for i in grade_ids(restored) if i]
    assert back == [i for i in grade_ids(SOURCE) if i in back]
    assert back[:2] == ["intro", "imports"] and "test_evaluate_model" in back
