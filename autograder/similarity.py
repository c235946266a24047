"""Similar submissions: pairwise code similarity over the graded cells of a class (copydetect).

Each student's graded code is the text of the notebook's nbgrader solution cells. copydetect
tokenizes it as Python (every name becomes one symbol, comments and layout go) and fingerprints
every run of ``SIMILARITY_NOISE_CHARS`` characters of it, so renaming variables or rewording
comments changes nothing. Three kinds of fragment never count: those of the release notebook's
cells (what every student got), those of the instructor's solution (what honest students converge
on), and those found in more than ``SIMILARITY_COMMON_SHARE`` of the submissions and in more than
two (how the class writes that code, like MOSS's ``-m``). A pair is flagged when the overlap of
what is left reaches the threshold in both directions, so a short or unfinished submission is not
flagged because a longer one contains its few lines. Pairs are ranked by the rarity of what they
share: each shared fragment weighs ln(N / n), N submissions compared and n of them containing it.
"""

from __future__ import annotations

import io
import itertools
import math
import sys
from collections import Counter
from collections.abc import Iterable, Set
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
from course_config import (
    SIMILARITY_COMMON_SHARE,
    SIMILARITY_FILE,
    SIMILARITY_NOISE_CHARS,
    SIMILARITY_THRESHOLD,
)

Span = tuple[int, int]


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions whose graded code overlaps: the share of each one's own code (what is
    neither given, nor the solution's, nor common in the class) also found in the other, the
    rarity of that shared code, and where it is (character spans of the code)."""

    first: str
    second: str
    first_share: float
    second_share: float
    rarity: float
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
    """The flagged pairs of a class, rarest shared code first, and which notebooks were
    compared."""

    assignment: str
    threshold: float
    common_limit: int  # a fragment in more submissions than this never counts
    noise_chars: int
    compared: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (student, why it was not compared)
    pairs: tuple[SimilarPair, ...]


def graded_code(nb: nbformat.NotebookNode) -> str:
    """The source of every nbgrader solution code cell, in notebook order."""
    return "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "code"
                       and cell.metadata.get("nbgrader", {}).get("solution"))


def _fingerprint(name: str, code: str, noise_chars: int,
                 boilerplate: Set[int] = frozenset()) -> CodeFingerprint:
    return CodeFingerprint(name, noise_chars, 1, np.array(sorted(boilerplate)),
                           language="python", fp=io.StringIO(code))


def _spans(slices: np.ndarray) -> tuple[Span, ...]:
    return tuple((int(start), int(end)) for start, end in zip(*slices, strict=True))


def common_limit(submissions: int, common_share: float = SIMILARITY_COMMON_SHARE) -> int:
    """A fragment in more than this many of ``submissions`` is common: ``common_share`` of them,
    but at least two, since two is what a copy makes."""
    return max(2, math.floor(common_share * submissions))


def similar_pairs(codes: dict[str, str], boilerplate: Iterable[str], threshold: float,
                  common_share: float = SIMILARITY_COMMON_SHARE,
                  noise_chars: int = SIMILARITY_NOISE_CHARS) -> tuple[SimilarPair, ...]:
    """Every pair of ``codes`` (student -> graded code) whose similarity reaches ``threshold``,
    rarest shared code first. Fragments of the ``boilerplate`` code, and those in more than
    ``common_share`` of ``codes`` (see ``common_limit``), are not counted."""
    given = set().union(*(_fingerprint("given", code, noise_chars).hashes
                          for code in boilerplate))
    counts = Counter(fragment for student, code in codes.items()
                     for fragment in _fingerprint(student, code, noise_chars, given).hashes)
    limit = common_limit(len(codes), common_share)
    common = {fragment for fragment, count in counts.items() if count > limit}
    prints = {student: _fingerprint(student, code, noise_chars, given | common)
              for student, code in codes.items()}
    pairs = []
    for first, second in itertools.combinations(sorted(prints), 2):
        _, shares, slices = compare_files(prints[first], prints[second])
        if min(shares) >= threshold:
            rarity = math.fsum(math.log(len(codes) / counts[fragment])
                               for fragment in prints[first].hashes & prints[second].hashes)
            pairs.append(SimilarPair(first, second, float(shares[0]), float(shares[1]), rarity,
                                     codes[first], codes[second], _spans(slices[0]),
                                     _spans(slices[1])))
    return tuple(sorted(pairs, key=lambda p: (-p.rarity, -p.similarity)))


def find_similar(course: Course, assignment: str, submissions_dir: Path | None = None,
                 threshold: float = SIMILARITY_THRESHOLD) -> SimilarityReport:
    """Compare the graded cells of every readable submission; unreadable ones are skipped. The
    release notebook's graded cells and the source notebook's (the solution) are boilerplate."""
    given = tuple(graded_code(nbformat.read(path, as_version=4))
                  for path in (course.release(assignment), course.source(assignment)))
    notebook = course_config.ASSIGNMENTS[assignment].notebook
    codes, skipped = {}, []
    for sub in submissions.collect(submissions_dir or course.submitted, assignment, notebook):
        try:
            codes[sub.student] = graded_code(submissions.load(sub.notebook))
        except submissions.NotebookProblem as problem:
            skipped.append((sub.student, str(problem)))
    return SimilarityReport(assignment, threshold, common_limit(len(codes)),
                            SIMILARITY_NOISE_CHARS, tuple(sorted(codes)), tuple(skipped),
                            similar_pairs(codes, given, threshold))


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
    if not course.source(assignment).exists():
        print(f"no source notebook at {course.source(assignment)}: its solution is what honest "
              "students converge on, so it must not count", file=sys.stderr)
        return 1
    try:
        report = find_similar(course, assignment, submissions_dir, threshold)
    except FileNotFoundError as missing:
        print(missing, file=sys.stderr)
        return 1
    print(f"{assignment}: {len(report.pairs)} pair(s) of {len(report.compared)} submissions "
          f"share at least {threshold:.0%} of their own code, rarest shared code first")
    print(f"(not counted: the code of the release and of the solution, and fragments in more "
          f"than {report.common_limit} submissions)")
    for pair in report.pairs:
        print(f"  {pair.first}  {pair.second}  {pair.first_share:.0%} / {pair.second_share:.0%}  "
              f"rarity {pair.rarity:.0f}")
    for student, why in report.skipped:
        print(f"not compared: {student} ({why})")
    path = write_html(report, course.reports(assignment) / SIMILARITY_FILE)
    print(f"report: {path}")
    return 0
