"""Similar submissions: pairwise code similarity over the graded cells of a class (copydetect).

Each student's graded code is the text of the notebook's nbgrader solution cells. copydetect
tokenizes it as Python (every name becomes one symbol, comments and layout go), so renaming
variables or rewording comments changes nothing; the same cells of the release notebook are its
boilerplate, so what every student got from the template never counts as overlap. A pair is
flagged when the overlap reaches the threshold in both directions: most of each one's own code
is found in the other. A short or unfinished submission whose few lines are the usual way to
write them is thus not flagged because a longer one contains them.
"""

from __future__ import annotations

import io
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

import course_config
from autograder import render
from autograder.course import Course
from autograder.grading import submissions
from autograder.grading.record import write_atomic
from course_config import SIMILARITY_FILE, SIMILARITY_NOISE_CHARS, SIMILARITY_THRESHOLD

Span = tuple[int, int]


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions whose graded code overlaps: the share of each one's own code (outside the
    template) also found in the other, and where that code is (character spans of the code)."""

    first: str
    second: str
    first_share: float
    second_share: float
    first_code: str
    second_code: str
    first_spans: tuple[Span, ...]
    second_spans: tuple[Span, ...]

    @property
    def similarity(self) -> float:
        """What the threshold is compared with: the smaller of the two shares."""
        return min(self.first_share, self.second_share)


@dataclass(frozen=True)
class SimilarityReport:
    """The flagged pairs of a class, most similar first, and which notebooks were compared."""

    assignment: str
    threshold: float
    noise_chars: int
    compared: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (student, why it was not compared)
    pairs: tuple[SimilarPair, ...]


def graded_code(nb: nbformat.NotebookNode) -> str:
    """The source of every nbgrader solution code cell, in notebook order."""
    return "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "code"
                       and cell.metadata.get("nbgrader", {}).get("solution"))


def _fingerprint(name: str, code: str, noise_chars: int,
                 boilerplate: np.ndarray | None = None) -> CodeFingerprint:
    return CodeFingerprint(name, noise_chars, 1, boilerplate, language="python",
                           fp=io.StringIO(code))


def _spans(slices: np.ndarray) -> tuple[Span, ...]:
    return tuple((int(start), int(end)) for start, end in zip(*slices, strict=True))


def similar_pairs(codes: dict[str, str], template: str, threshold: float,
                  noise_chars: int = SIMILARITY_NOISE_CHARS) -> tuple[SimilarPair, ...]:
    """Every pair of ``codes`` (student -> graded code) whose similarity reaches ``threshold``,
    most similar first; code that ``template`` holds is not counted."""
    boilerplate = np.array(sorted(_fingerprint("template", template, noise_chars).hashes))
    prints = {student: _fingerprint(student, code, noise_chars, boilerplate)
              for student, code in codes.items()}
    pairs = []
    for first, second in itertools.combinations(sorted(prints), 2):
        _, shares, slices = compare_files(prints[first], prints[second])
        if min(shares) >= threshold:
            pairs.append(SimilarPair(first, second, float(shares[0]), float(shares[1]),
                                     codes[first], codes[second], _spans(slices[0]),
                                     _spans(slices[1])))
    return tuple(sorted(pairs, key=lambda p: (-p.similarity, -max(p.first_share,
                                                                    p.second_share))))


def find_similar(course: Course, assignment: str, submissions_dir: Path | None = None,
                 threshold: float = SIMILARITY_THRESHOLD) -> SimilarityReport:
    """Compare the graded cells of every readable submission; unreadable ones are skipped."""
    template = graded_code(nbformat.read(course.release(assignment), as_version=4))
    notebook = course_config.ASSIGNMENTS[assignment].notebook
    codes, skipped = {}, []
    for sub in submissions.collect(submissions_dir or course.submitted, assignment, notebook):
        try:
            codes[sub.student] = graded_code(submissions.load(sub.notebook))
        except submissions.NotebookProblem as problem:
            skipped.append((sub.student, str(problem)))
    return SimilarityReport(assignment, threshold, SIMILARITY_NOISE_CHARS, tuple(sorted(codes)),
                            tuple(skipped), similar_pairs(codes, template, threshold))


def _highlighted(code: str, spans: tuple[Span, ...]) -> str:
    """The code as HTML, its overlapping spans in ``<mark>`` (copydetect's highlighting)."""
    slices = np.array(spans, dtype=int).T.reshape(2, -1)
    return highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)[0]


def write_html(report: SimilarityReport, path: Path) -> Path:
    """Write the report as one HTML page: each pair's code side by side, overlap marked."""
    env = render.html_templates(highlighted=_highlighted, percent=lambda share: f"{share:.0%}")
    write_atomic(path, env.get_template("similarity.html.j2").render(r=report))
    return path


def similarity_command(course: Course, assignment: str, submissions_dir: Path | None,
                       threshold: float | None) -> int:
    """``autograder similar ASSIGNMENT [SUBMISSIONS] [--threshold X]``: report similar pairs."""
    threshold = SIMILARITY_THRESHOLD if threshold is None else threshold
    if not 0 < threshold <= 1:
        print(f"the threshold is a share of the code, above 0 and at most 1: not {threshold:g}",
              file=sys.stderr)
        return 1
    if not course.release(assignment).exists():
        print(f"no release notebook at {course.release(assignment)}: release {assignment} "
              "first, its code is what every student got", file=sys.stderr)
        return 1
    try:
        report = find_similar(course, assignment, submissions_dir, threshold)
    except FileNotFoundError as missing:
        print(missing, file=sys.stderr)
        return 1
    print(f"{assignment}: {len(report.pairs)} pair(s) of {len(report.compared)} submissions "
          f"share at least {threshold:.0%} of their code")
    for pair in report.pairs:
        print(f"  {pair.first}  {pair.second}  {pair.first_share:.0%} / {pair.second_share:.0%}")
    for student, why in report.skipped:
        print(f"not compared: {student} ({why})")
    path = write_html(report, course.reports(assignment) / SIMILARITY_FILE)
    print(f"report: {path}")
    return 0
