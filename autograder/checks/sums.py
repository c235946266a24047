"""Checks on "read a digit, add a number": seeded addends, labels, predicted sums, the table.

Predicted sums are compared with the probabilities of the model's own ``sum`` output, computed
by the grader; sums that differ from the model's but equal the true ones are named as a label
leak.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.arrays import check_returned_array, check_shape, describe
from autograder.checks.results import Check, CheckFailure

TIE = 1e-4  # a returned class this close to the most probable one counts as the model's choice
LEAK = ("The sums must come from the model's own reading of the image, never from the true "
        "test labels: that is a label leak.")


def check_integers(what: str, array: np.ndarray) -> None:
    if array.dtype.kind not in "iu":
        raise CheckFailure(what, "integers", f"dtype {array.dtype}", "Convert with .astype(int).")


def check_range(what: str, array: np.ndarray, low: int, high: int, hint: str = "") -> None:
    """All values lie in low..high (both included)."""
    if array.size and (array.min() < low or array.max() > high):
        raise CheckFailure(what, f"values from {low} to {high}",
                           f"values from {array.min():g} to {array.max():g}", hint)


def check_seeded(function: str, first: np.ndarray, again: np.ndarray, other: np.ndarray,
                 seeds: tuple[int, int]) -> None:
    """The same seed gives the same values; another seed gives other values."""
    if first.shape != again.shape or not np.array_equal(first, again):
        raise CheckFailure(function, f"the same addends from two calls with seed {seeds[0]}",
                           "different ones", "Draw them from np.random.default_rng(seed).")
    if first.shape == other.shape and np.array_equal(first, other):
        raise CheckFailure(function, f"different addends for seed {seeds[0]} and seed "
                           f"{seeds[1]}", "the same ones", "Pass seed to np.random.default_rng.")


def check_uniform(function: str, values: np.ndarray, high: int, tolerance: float) -> None:
    """Each of 0..high is drawn about equally often (within ``tolerance`` of its share)."""
    counts = np.bincount(values.astype(np.int64), minlength=high + 1)[:high + 1]
    expected = len(values) / (high + 1)
    off = np.flatnonzero(np.abs(counts - expected) > tolerance * expected)
    if off.size:
        value = int(off[-1])
        hint = f"integers(low, high) never draws high: use integers(0, {high + 1})." \
            if value == high and counts[value] == 0 else ""
        raise CheckFailure(function, f"each addend from 0 to {high} drawn about {expected:g} "
                           f"times in {len(values)} draws", f"{value} drawn {counts[value]} "
                           "times", hint)


def offset_hint(sums: np.ndarray, digits: np.ndarray, addends: np.ndarray) -> str:
    """Names a constant offset of every sum from digit + addend, if there is one."""
    offsets = np.unique(sums - (digits.astype(np.int64) + addends)) \
        if sums.shape == digits.shape else []
    if len(offsets) != 1 or offsets[0] == 0:
        return ""
    return f"Every sum is {abs(offsets[0]):g} {'more' if offsets[0] > 0 else 'less'} than " \
        "digit + addend."


def check_sums(what: str, sums: np.ndarray, digits: np.ndarray, addends: np.ndarray) -> None:
    """Every row's sum is its digit plus its addend; a constant offset is named."""
    expected = digits.astype(np.int64) + addends
    wrong = np.flatnonzero(sums != expected)
    if wrong.size:
        row = int(wrong[0])
        raise CheckFailure(what, f"row {row} to be {digits[row]} + {addends[row]} = "
                           f"{expected[row]}", f"{sums[row]:g}",
                           offset_hint(sums, digits, addends))


def check_model_sums(what: str, found: np.ndarray, sum_probs: np.ndarray,
                     digit_probs: np.ndarray, addends: np.ndarray,
                     leaks: dict[str, np.ndarray]) -> None:
    """``found`` are the model's own predicted sums (the argmax of its sum output).

    ``leaks`` maps a description of true sums (e.g. "the true sum ...") to those sums: differing
    sums that all equal one of them are named as a leak.
    """
    rows = np.arange(len(sum_probs))
    inside = (found >= 0) & (found < sum_probs.shape[1])
    chosen = sum_probs[rows, np.where(inside, found, 0).astype(np.int64)]
    wrong = np.flatnonzero(~inside | (chosen < sum_probs.max(axis=1) - TIE))
    if not wrong.size:
        return
    predicted = sum_probs.argmax(axis=1)
    row = int(wrong[0])
    hint = ""
    for description, sums in leaks.items():
        if np.array_equal(found[wrong], sums[wrong]):
            hint = f"Each of them is {description}. {LEAK}"
            break
    else:
        if np.array_equal(found[wrong], (digit_probs.argmax(axis=1) + addends)[wrong]):
            hint = ("They are the 'digit' output's reading plus the addend: return the most "
                    "probable class of the 'sum' output.")
    raise CheckFailure(what, "the sums the model predicts (the most probable class of its "
                       "'sum' output)", f"{len(wrong):,} of {len(found):,} that differ (first: "
                       f"row {row}, {found[row]:g} where the model predicts {predicted[row]})",
                       hint)


def check_dataframe(function: str, type_name: str) -> None:
    if type_name != "DataFrame":
        raise CheckFailure(function, "a pandas DataFrame", f"a value of type {type_name}",
                           "Build it with pd.DataFrame({...}).")


def check_columns(function: str, found: list[str], wanted: tuple[str, ...]) -> None:
    """The table has (at least) the columns ``wanted``."""
    missing = [name for name in wanted if name not in found]
    if missing:
        raise CheckFailure(function, f"the columns {', '.join(wanted)}",
                           f"the columns {', '.join(map(str, found)) or 'none'}",
                           f"Missing: {', '.join(missing)}.")


def check_column(what: str, found: np.ndarray | None, expected: np.ndarray,
                 meaning: str) -> None:
    """A column equal, row by row, to ``expected`` (what it should hold: ``meaning``)."""
    if found is None or found.shape != expected.shape:
        raise CheckFailure(what, f"{len(expected)} numbers ({meaning})",
                           "values of another type" if found is None else describe(found))
    wrong = np.flatnonzero(found != expected)
    if wrong.size:
        row = int(wrong[0])
        raise CheckFailure(what, f"{meaning} in every row", f"{len(wrong)} rows that differ "
                           f"(first: row {row}, {found[row]} instead of {expected[row]})")


def addend_checks(function: str, found: dict[str, np.ndarray], kinds: dict[str, str],
                  draws: int, seeds: tuple[int, int]) -> list[Check]:
    """``found``: what ``function(draws, seed)`` returned for ``first`` and ``again`` (the first
    seed), ``other`` (the second seed) and ``small`` (5 draws)."""
    first = lambda: check_returned_array(function, found.get("first"),  # noqa: E731
                                         kinds.get("first", "None"))
    other = {key: found.get(key, np.empty(0)) for key in ("again", "other", "small")}
    return [
        ("returns an array", first, False),
        ("one addend per draw", lambda: check_shape(function, first(), (draws,)), False),
        ("integers", lambda: check_integers(function, first()), False),
        ("from 0 to 9", lambda: check_range(function, first(), 0, 9), False),
        ("the same seed draws the same addends", lambda: check_seeded(
            function, first(), other["again"], other["other"], seeds), False),
        ("each addend about as often", lambda: check_uniform(function, first(), 9, 0.15), False),
        ("any number of draws", lambda: check_shape(f"{function}: 5 draws", other["small"],
                                                    (5,)), True),
    ]


def label_checks(function: str, data: dict, found: dict[str, np.ndarray], digits: np.ndarray,
                 addends: np.ndarray) -> list[Check]:
    """``(digit_labels, sum_labels)`` returned for ``digits`` and ``addends``; the inputs after
    the call are ``digits_after`` and ``addends_after``."""
    def two_arrays() -> None:
        if not data.get("pair"):
            raise CheckFailure(function, "2 return values (digit_labels, sum_labels)",
                               f"a value of type {data.get('returned_type')}")
        for key, kind in zip(("digit_labels", "sum_labels"), data["part_types"], strict=True):
            check_returned_array(f"{function}: the {key.replace('_', ' ')}", found.get(key),
                                 kind)

    def unchanged() -> None:
        if not (np.array_equal(found["digits_after"], digits)
                and np.array_equal(found["addends_after"], addends)):
            raise CheckFailure(f"{function}: the arrays passed in", "them left unchanged",
                               "that they were modified in place",
                               "Return new arrays instead of changing the ones passed in.")

    checks: list[Check] = [("returns two arrays", two_arrays, False)]
    for key, high in (("digit_labels", 9), ("sum_labels", 18)):
        what = f"{function}: the {key.replace('_', ' ')}"
        checks += [
            (f"{key} shape", lambda w=what, k=key: check_shape(w, found[k], digits.shape), False),
            (f"{key} integers", lambda w=what, k=key: check_integers(w, found[k]), False),
            (f"{key} from 0 to {high}", lambda w=what, k=key, h=high: check_range(
                w, found[k], 0, h, offset_hint(found[k], digits, addends) if h == 18 else ""),
             False)]
    return [*checks,
            ("digit labels are the digits", lambda: check_column(
                f"{function}: the digit labels", found["digit_labels"], digits,
                "the digit passed in"), False),
            ("sum = digit + addend in every row", lambda: check_sums(
                f"{function}: the sum labels", found["sum_labels"], digits, addends), False),
            ("inputs not modified", unchanged, True)]


def table_checks(function: str, data: dict, columns: dict[str, np.ndarray | None],
                 labels: np.ndarray, addends: np.ndarray,
                 probabilities: Callable[[], dict[str, np.ndarray]]) -> list[Check]:
    """A DataFrame of digit, addend, actual_sum, predicted_sum and correct for ``labels`` and
    ``addends``; ``probabilities`` are the model's outputs by name, computed by the grader."""
    actual = labels + addends

    def predicted() -> None:
        found = columns["predicted_sum"]
        what = f"{function}: column predicted_sum"
        if found is None or found.shape != labels.shape:
            raise CheckFailure(what, f"{len(labels)} numbers (the predicted sums)",
                               "values of another type" if found is None else describe(found))
        probs = probabilities()
        check_model_sums(what, found, probs["sum"], probs["digit"], addends,
                         {"the actual sum (digit label plus addend)": actual})

    def rows() -> None:
        if data["rows"] != len(labels):
            raise CheckFailure(function, f"{len(labels)} rows, one per image", f"{data['rows']}")

    return [
        ("returns a DataFrame", lambda: check_dataframe(function, data.get("returned_type")),
         False),
        ("has the five columns", lambda: check_columns(function, data["columns"],
                                                       tuple(columns)), False),
        ("one row per image", rows, False),
        *((f"column {name}", lambda n=name, e=expected, m=meaning: check_column(
            f"{function}: column {n}", columns[n], e, m), False) for name, expected, meaning in (
            ("digit", labels, "the digit label"), ("addend", addends, "the addend"),
            ("actual_sum", actual, "the digit label plus the addend"))),
        ("column predicted_sum", predicted, False),
        ("column correct", lambda: check_column(
            f"{function}: column correct", columns["correct"], columns["predicted_sum"] == actual,
            "whether the predicted sum equals the actual sum"), False),
    ]
