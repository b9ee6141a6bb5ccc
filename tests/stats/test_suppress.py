"""Small-cell suppression: nothing under 5 is ever published, not even by subtraction."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sipadu.stats.suppress import CellKind, suppress_counts

T = 5


def _displays(counts: list[int]) -> tuple[list[str], str, bool]:
    series = suppress_counts([(f"c{i}", v) for i, v in enumerate(counts)])
    return [cell.display for cell in series.cells], series.total.display, series.withheld


@pytest.mark.parametrize(
    ("counts", "cells", "total", "withheld"),
    [
        ([0, 0, 10], ["0", "0", "10"], "10", False),
        ([3, 0, 0], ["< 5", "0", "0"], "< 5", False),
        ([1, 9, 20], ["< 5", "hidden", "20"], "30", False),
        ([2, 2, 30], ["< 5", "< 5", "hidden"], "34", False),
        ([4, 4, 5, 6, 7, 100], ["< 5", "< 5", "hidden", "6", "7", "100"], "126", False),
        ([1, 5, 5], ["hidden", "hidden", "hidden"], "11", True),
        ([1, 6], ["hidden", "hidden"], "7", True),
        ([], [], "0", False),
    ],
)
def test_examples(counts: list[int], cells: list[str], total: str, withheld: bool) -> None:
    assert _displays(counts) == (cells, total, withheld)


def test_suppressed_cells_carry_no_value() -> None:
    series = suppress_counts({"a": 2, "b": 9, "c": 40})
    assert [c.value for c in series.cells] == [None, None, 40]
    assert series.any_suppressed and series.total.value == 51


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_counts({"a": -1})
    with pytest.raises(ValueError, match="threshold"):
        suppress_counts({"a": 1}, threshold=0)


def _possible_values(
    published: list[tuple[CellKind, int | None]], total: int, index: int
) -> set[int]:
    """Exhaustively, what an attacker who knows the total learns about cell ``index``."""
    shown = sum(v for kind, v in published if kind is CellKind.SHOWN and v is not None)
    rest = total - shown

    def values(kind: CellKind) -> range:
        return range(1, T) if kind is CellKind.SMALL else range(T, rest + 1)

    reachable = {0}  # sums the other suppressed cells can make
    for i, (kind, _) in enumerate(published):
        if kind is not CellKind.SHOWN and i != index:
            reachable = {s + v for s in reachable for v in values(kind) if s + v <= rest}
    return {x for x in values(published[index][0]) if rest - x in reachable}


@given(st.lists(st.integers(min_value=0, max_value=22), max_size=6))
def test_nothing_under_the_threshold_is_published(counts: list[int]) -> None:
    series = suppress_counts([(f"c{i}", v) for i, v in enumerate(counts)])
    for cell, value in zip(series.cells, counts, strict=True):
        if 0 < value < T:
            assert cell.value is None and cell.kind is not CellKind.SHOWN
        if cell.kind is CellKind.SHOWN:
            assert cell.value == value and (value == 0 or value >= T)
    if series.withheld:
        assert all(c.kind is not CellKind.SMALL for c in series.cells)
        return
    if series.total.kind is not CellKind.SHOWN:
        return  # the total itself is under the threshold: all is "< 5" or zero
    published = [(c.kind, c.value) for c in series.cells]
    for index, (kind, _) in enumerate(published):
        if kind is CellKind.SMALL:
            assert _possible_values(published, sum(counts), index) == {1, 2, 3, 4}


def _protects(counts: list[int], hidden: set[int]) -> bool:
    """Would hiding exactly ``hidden`` leave every "< 5" cell anywhere in 1..4?"""
    published = [
        (
            CellKind.SMALL if 0 < v < T else CellKind.HIDDEN if i in hidden else CellKind.SHOWN,
            None if 0 < v < T or i in hidden else v,
        )
        for i, v in enumerate(counts)
    ]
    total = sum(counts)
    return all(
        _possible_values(published, total, i) == set(range(1, T))
        for i, (kind, _) in enumerate(published)
        if kind is CellKind.SMALL
    )


# [1, 5, 8]: hiding the 5 would pin the small cell to 1 (14 - 8 = 1 + 5), so the 8 must go;
# a hidden cell larger than every shown one is right there, not a sign of waste.
@example([1, 5, 8])
@example([4, 5, 5, 9])
@given(st.lists(st.integers(min_value=0, max_value=30), max_size=7))
def test_hidden_cells_are_few_and_small_first(counts: list[int]) -> None:
    series = suppress_counts([(f"c{i}", v) for i, v in enumerate(counts)])
    if series.withheld or series.total.kind is not CellKind.SHOWN:
        return
    hidden = {i for i, c in enumerate(series.cells) if c.kind is CellKind.HIDDEN}
    shown = [i for i, c in enumerate(series.cells) if c.kind is CellKind.SHOWN and c.value]
    assert _protects(counts, hidden)
    # Few: no smaller set of cells would have done; the largest cells protect the most, so
    # trying the largest len(hidden) - 1 of the candidates is enough.
    if hidden:
        by_size = sorted(hidden | set(shown), key=lambda i: counts[i], reverse=True)
        assert not _protects(counts, set(by_size[: len(hidden) - 1]))
    # Small first: swapping a hidden cell for a smaller shown one would not have protected.
    for out in hidden:
        for smaller in (i for i in shown if counts[i] < counts[out]):
            assert not _protects(counts, hidden - {out} | {smaller})
