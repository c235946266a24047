"""Collecting submissions and loading notebooks: every bad file gets a one-line reason."""

from pathlib import Path

import pytest

from autograder.grading.submissions import NotebookProblem, Submission, collect, load
from tests.conftest import FIXTURES


def test_collects_nbgrader_layout_and_flat_files(tmp_path: Path):
    folder = tmp_path / "ann" / "cnn_mnist"
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-11-20 17:02:11.123 UTC")
    (tmp_path / "bo" / "cnn_mnist").mkdir(parents=True)
    (tmp_path / "bo" / "cnn_mnist" / "timestamp.txt").write_text("not a time")
    (tmp_path / "cy.ipynb").write_text("{}")
    (tmp_path / "..hidden.ipynb").write_text("{}")
    assert collect(tmp_path, "cnn_mnist", "cnn_mnist") == [
        Submission("ann", folder / "cnn_mnist.ipynb", "2026-11-20 17:02:11.123000"),
        Submission("bo", tmp_path / "bo" / "cnn_mnist" / "cnn_mnist.ipynb", None),
        Submission("cy", tmp_path / "cy.ipynb"),
    ]


@pytest.mark.parametrize("content, reason", [
    (None, "no notebook named cnn_mnist.ipynb was submitted"),
    ("", "cnn_mnist.ipynb is empty"),
    ("{not json", "cnn_mnist.ipynb is not valid JSON, so not a notebook"),
    ('{"hello": "world"}', "cnn_mnist.ipynb is not in the Jupyter notebook format"),
])
def test_unreadable_notebooks_have_a_plain_reason(tmp_path: Path, content, reason):
    path = tmp_path / "cnn_mnist.ipynb"
    if content is not None:
        path.write_text(content)
    with pytest.raises(NotebookProblem) as problem:
        load(path)
    assert str(problem.value) == reason


def test_a_real_notebook_loads():
    assert len(load(FIXTURES / "cnn_mnist" / "solution.ipynb").cells) > 20


def test_a_notebook_that_links_to_another_file_is_refused(tmp_path: Path):
    """A link to the instructor's source (with the hidden tests and solutions) is not graded."""
    source = tmp_path / "source.ipynb"
    source.write_text((FIXTURES / "cnn_mnist" / "solution.ipynb").read_text())
    (tmp_path / "cnn_mnist.ipynb").symlink_to(source)
    with pytest.raises(NotebookProblem) as problem:
        load(tmp_path / "cnn_mnist.ipynb")
    assert str(problem.value) == ("cnn_mnist.ipynb is a symbolic link, not a notebook: submit the "
                                  "notebook file itself")
