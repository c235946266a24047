"""Stage ``restore``: put the instructor's test and locked cells back from source.

A student may edit, delete, re-tag or duplicate cells they must not change; the grader always
runs the source version of every protected cell and says what it put back.
"""

from __future__ import annotations

import copy

import nbformat


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _protected(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("locked") or (meta.get("grade") and not meta.get("solution")))


def _fresh(cell):
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def restore(nb: nbformat.NotebookNode, source: nbformat.NotebookNode,
            release: nbformat.NotebookNode | None = None
            ) -> tuple[nbformat.NotebookNode, list[str]]:
    """A copy of ``nb`` whose protected cells are exactly those of ``source``, plus notes.

    A protected cell that still reads as in ``release`` (what the student was given: test cells
    without their hidden part) is restored silently; any other change is noted.
    """
    protected = {_grade_id(c): c for c in source.cells if _protected(c) and _grade_id(c)}
    given = {_grade_id(c): c.source for c in (release or source).cells if _grade_id(c)}
    notes: list[str] = []
    cells, seen = [], set()
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in seen and grade_id in protected:
            notes.append(f"dropped a duplicate of cell {grade_id}")
            continue
        if grade_id in seen:  # a copy of an answer cell: its code runs, under no grade id
            cell = copy.deepcopy(cell)
            del cell.metadata["nbgrader"]
            notes.append(f"kept a second cell {grade_id} as ordinary code")
            cells.append(_fresh(cell))
            continue
        if grade_id:
            seen.add(grade_id)
        if grade_id in protected:
            original = protected[grade_id]
            if (cell.get("source") not in (original.source, given.get(grade_id))
                    or cell.cell_type != original.cell_type):
                notes.append(f"restored cell {grade_id}, which had been edited")
            cells.append(_fresh(original))
        else:
            cells.append(_fresh(cell))
    at = 0  # missing cells go back after the source cell before them that is present
    for cell in source.cells:
        grade_id = _grade_id(cell)
        found = next((i for i, c in enumerate(cells) if grade_id and _grade_id(c) == grade_id),
                     None)
        if found is not None:
            at = found + 1
        elif grade_id in protected and grade_id not in seen:
            cells.insert(at, _fresh(cell))
            notes.append(f"put back cell {grade_id}, which was missing")
            seen.add(grade_id)
            at += 1
    restored = copy.deepcopy(nb)
    restored.cells = cells
    restored.metadata["kernelspec"] = copy.deepcopy(source.metadata["kernelspec"])
    return restored, notes
