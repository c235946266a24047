"""Similar submissions: a renamed copy stands out among 30 honest solutions written in the usual
few styles; the template, the solution and what the class commonly writes never count, and
unreadable notebooks are listed as not compared."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.similarity import (
    SIMILARITY_FILE,
    SIMILARITY_THRESHOLD,
    common_limit,
    find_similar,
    graded_code,
    similar_pairs,
    similarity_command,
    write_html,
)
from tests.conftest import FIXTURES

CLASS = FIXTURES / "similarity"
HONEST = sorted(path.stem for path in CLASS.glob("student_*.py"))
COPIER = "copies_student_07_renamed"


def fixture_cells(student: str) -> dict[str, str]:
    """A fixture's cells by grade id: the code after each ``# %% <grade_id>`` line."""
    parts = re.split(r"^# %% (\w+)\n", (CLASS / f"{student}.py").read_text(), flags=re.M)[1:]
    return dict(zip(parts[::2], (code.rstrip("\n") for code in parts[1::2]), strict=True))


def submit(course: Course, student: str, cells: dict[str, str]) -> Path:
    """The release notebook with ``cells`` as its solution cells, in nbgrader's layout."""
    nb = nbformat.read(course.release("cnn_mnist"), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.source = cells.get(grade_id, cell.source)
    path = course.submitted / student / "cnn_mnist" / "cnn_mnist.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def graded_codes(course: Course, students: list[str]) -> dict[str, str]:
    return {student: graded_code(nbformat.read(
        course.submitted / student / "cnn_mnist" / "cnn_mnist.ipynb", as_version=4))
        for student in students}


def given(course: Course) -> tuple[str, str]:
    """The boilerplate: the graded cells of the release notebook and of the source (solution)."""
    return tuple(graded_code(nbformat.read(path, as_version=4))
                 for path in (course.release("cnn_mnist"), course.source("cnn_mnist")))


def solution_cells(course: Course) -> dict[str, str]:
    """The instructor's solution cells of the source notebook, by grade id."""
    return {cell.metadata.nbgrader.grade_id: cell.source
            for cell in nbformat.read(course.source("cnn_mnist"), as_version=4).cells
            if cell.metadata.get("nbgrader", {}).get("solution")}


@pytest.fixture
def course(course_root: Path) -> Course:
    return Course.at(course_root)


@pytest.fixture
def whole_class(course: Course) -> Course:
    """30 honest submissions and one copy of student_07 with everything renamed."""
    assert len(HONEST) == 30
    for student in [*HONEST, COPIER]:
        submit(course, student, fixture_cells(student))
    return course


def test_fixtures_fill_every_solution_cell(course: Course):
    release = nbformat.read(course.release("cnn_mnist"), as_version=4)
    solution_ids = [c.metadata.nbgrader.grade_id for c in release.cells
                    if c.metadata.get("nbgrader", {}).get("solution")]
    for student in [*HONEST, COPIER]:
        assert list(fixture_cells(student)) == solution_ids


def test_the_renamed_copy_is_ranked_first_and_the_only_pair_flagged(whole_class: Course):
    report = find_similar(whole_class, "cnn_mnist")
    assert report.compared == tuple(sorted([*HONEST, COPIER]))
    assert (report.skipped, report.common_limit) == ((), 3)
    assert [(p.first, p.second, p.first_share, p.second_share) for p in report.pairs] == [
        (COPIER, "student_07", 1.0, 1.0)]
    every_pair = similar_pairs(graded_codes(whole_class, [*HONEST, COPIER]), given(whole_class),
                               0.0)
    assert [(p.first, p.second, round(p.rarity, 2)) for p in every_pair[:3]] == [
        (COPIER, "student_07", 1072.69), ("student_02", "student_29", 274.31),
        ("student_15", "student_27", 224.05)]


def test_honest_solutions_stay_under_the_threshold(whole_class: Course):
    every_pair = similar_pairs(graded_codes(whole_class, HONEST), given(whole_class), 0.0)
    assert len(every_pair) == 435
    top = max(every_pair, key=lambda pair: pair.similarity)
    assert (top.first, top.second) == ("student_02", "student_29")
    assert (round(top.first_share, 4), round(top.second_share, 4)) == (0.5093, 0.6119)
    assert top.similarity < SIMILARITY_THRESHOLD - 0.15


def test_honest_solutions_converge_on_what_the_class_commonly_writes(whole_class: Course):
    """With no fragment common in the class, six honest pairs would be flagged; with the solution's
    code counted as theirs too, seven."""
    codes = graded_codes(whole_class, HONEST)
    with_common = similar_pairs(codes, given(whole_class), SIMILARITY_THRESHOLD, common_share=1)
    assert sorted((p.first, p.second) for p in with_common) == [
        ("student_01", "student_30"), ("student_11", "student_28"), ("student_21", "student_23"),
        ("student_23", "student_28"), ("student_23", "student_30"), ("student_28", "student_30")]
    release_only = similar_pairs(codes, given(whole_class)[:1], SIMILARITY_THRESHOLD,
                                 common_share=1)
    assert len(release_only) == 7


def test_a_fragment_is_common_beyond_a_share_of_the_class_and_never_in_two():
    assert [common_limit(n) for n in (2, 21, 29, 30, 31, 44)] == [2, 2, 2, 3, 3, 4]


@pytest.fixture
def unfinished(course: Course) -> Course:
    """ann (honest, unfinished) wrote three functions the usual way; bo (honest) wrote all."""
    mine = fixture_cells("student_29")
    submit(course, "ann", {grade_id: mine[grade_id]
                           for grade_id in ("compile_model", "train_model", "evaluate_model")})
    submit(course, "bo", fixture_cells("student_23"))
    return course


def test_an_unfinished_submission_is_not_flagged_for_lines_everyone_writes(unfinished: Course):
    """Most of ann's code is in bo's, but little of bo's is in ann's: not flagged."""
    (pair,) = similar_pairs(graded_codes(unfinished, ["ann", "bo"]), given(unfinished), 0.0)
    assert (round(pair.first_share, 4), round(pair.second_share, 4)) == (0.8295, 0.4253)
    assert pair.first_share > SIMILARITY_THRESHOLD
    assert find_similar(unfinished, "cnn_mnist").pairs == ()


def test_the_html_marks_only_the_shared_code(unfinished: Course, tmp_path: Path):
    html = write_html(find_similar(unfinished, "cnn_mnist", threshold=0.4),
                      tmp_path / "similarity.html").read_text()
    ann, bo = (code.split("</pre>")[0] for code in html.split("<pre>")[1:])
    assert (ann.count("<mark>"), bo.count("<mark>")) == (1, 2)
    assert "NotImplementedError" not in ann[ann.index("<mark>"):]
    assert bo.startswith("def scale_mnist_data(train_images, test_images):")
    assert "<mark>def compile_model(model):" in ann
    assert "<mark>def compile_model(model):" in bo
    # tokenized, bo's "batch_size=2" reads as ann's "verbose=2": the rest of 256 is bo's own
    assert "epochs=5, batch_size=2</mark>56<mark>, verbose=2)" in bo
    assert ann.endswith("verbose=</mark>0)\n    return test_loss, test_accuracy")
    assert bo.endswith("verbose=</mark>2)\n    return (test_loss, test_accuracy)")
    assert ('<td class="n">83%</td>\n    <td class="n">43%</td>\n    <td class="n">0</td>'
            in html)


def test_the_untouched_template_twice_is_not_flagged(course: Course):
    for student in ("ann", "bo"):
        submit(course, student, {})
    report = find_similar(course, "cnn_mnist", threshold=0.01)
    assert (report.compared, report.pairs) == (("ann", "bo"), ())
    (pair,) = similar_pairs(graded_codes(course, ["ann", "bo"]), given(course), 0.0)
    assert (pair.first_share, pair.second_share, pair.first_spans) == (0.0, 0.0, ())


def test_the_instructors_solution_twice_is_not_flagged(course: Course):
    for student in ("ann", "bo"):
        submit(course, student, solution_cells(course))
    report = find_similar(course, "cnn_mnist", threshold=0.01)
    assert (report.compared, report.pairs) == (("ann", "bo"), ())
    (pair,) = similar_pairs(graded_codes(course, ["ann", "bo"]), given(course), 0.0)
    assert (pair.first_share, pair.second_share, pair.first_spans) == (0.0, 0.0, ())


def test_unreadable_notebooks_are_skipped_with_a_plain_reason(course: Course):
    for student in ("ann", "bo"):
        submit(course, student, fixture_cells("student_01"))
    submit(course, "cy", {}).write_text("{not json")
    (course.submitted / "dee" / "cnn_mnist").mkdir(parents=True)
    report = find_similar(course, "cnn_mnist")
    assert report.compared == ("ann", "bo")
    assert report.skipped == (("cy", "cnn_mnist.ipynb is not valid JSON, so not a notebook"),
                              ("dee", "no notebook named cnn_mnist.ipynb was submitted"))
    assert [(p.first, p.second, p.similarity) for p in report.pairs] == [("ann", "bo", 1.0)]


def test_the_command_prints_the_pairs_and_writes_the_html(whole_class: Course, capsys):
    submit(whole_class, "zed", {}).write_text("")
    assert similarity_command(whole_class, "cnn_mnist", None, None) == 0
    path = whole_class.reports("cnn_mnist") / SIMILARITY_FILE
    assert capsys.readouterr().out.splitlines() == [
        "cnn_mnist: 1 pair(s) of 31 submissions share at least 70% of their own code, rarest "
        "shared code first",
        "(not counted: the code of the release and of the solution, and fragments in more than 3 "
        "submissions)",
        f"  {COPIER}  student_07  100% / 100%  rarity 1073",
        "not compared: zed (cnn_mnist.ipynb is empty)",
        f"report: {path}",
    ]
    html = path.read_text()
    assert f'<h2 id="pair-1">{COPIER} and student_07</h2>' in html
    assert "<li>zed: cnn_mnist.ipynb is empty</li>" in html
    assert " ".join(html.split("<p>")[1].split("</p>")[0].split()) == (
        "The graded cells of 31 submission(s), compared pairwise by copydetect (runs of at least "
        "30 characters of tokenized code; names, comments and layout ignored). A submission's "
        "own code is what is left once three kinds of fragment are taken out: the release "
        "notebook's code, the instructor's solution, and fragments found in more than 3 "
        "submissions (how the class writes that code). A pair is listed when at least 70% of "
        "each one's own code is also in the other: 1 pair(s), the rarest shared code first. "
        "Rarity adds up, over the fragments the two share, ln(N / n): N submissions compared, n "
        "of them containing the fragment.")
    assert '<td class="n">100%</td>\n    <td class="n">1073</td>' in html
    # side by side: the renamed copy and its original, each marked from end to end
    assert "<pre><mark>def scale_mnist_data(x_tr, x_te):" in html
    assert "<pre><mark>def scale_mnist_data(train_images, test_images):" in html
    assert "    return lo, ac</mark></pre>" in html
    assert "    return loss_value, accuracy_value</mark></pre>" in html


def test_the_command_refuses_a_threshold_that_is_not_a_share(course: Course, capsys):
    assert similarity_command(course, "cnn_mnist", None, 70) == 1
    assert capsys.readouterr().err == ("the threshold is a share of the code, above 0 and at "
                                       "most 1: not 70\n")


def test_the_command_refuses_a_course_without_the_solution(course: Course, capsys):
    course.source("cnn_mnist").unlink()
    assert similarity_command(course, "cnn_mnist", None, None) == 1
    assert capsys.readouterr().err == (
        f"no source notebook at {course.source('cnn_mnist')}: its solution is what honest "
        "students converge on, so it must not count\n")
