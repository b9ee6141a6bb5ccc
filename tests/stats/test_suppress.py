"""Small-cell suppression: nothing under 5 is ever published, not even by subtraction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sipadu.stats.suppress import CellKind, suppress_counts

T = 5


def _displays(counts: list[int]) -> tuple[list[str], str, bool]:
    series = suppress_counts([(f"c{i}", v) for i, v in enumerate(counts)])
    return [cell.display for cell in series.cells], series.total.display, series.withheld


@pytest.mark.parametrize(("counts", "cells", "total", "withheld"), [
    ([0, 0, 10], ["0", "0", "10"], "10", False),
    ([3, 0, 0], ["< 5", "0", "0"], "< 5", False),
    ([1, 9, 20], ["< 5", "hidden", "20"], "30", False),
    ([2, 2, 30], ["< 5", "< 5", "hidden"], "34", False),
    ([4, 4, 5, 6, 7, 100], ["< 5", "< 5", "hidden", "6", "7", "100"], "126", False),
    ([1, 5, 5], ["hidden", "hidden", "hidden"], "11", True),
    ([1, 6], ["hidden", "hidden"], "7", True),
    ([], [], "0", False),
])
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


def _possible_values(published: list[tuple[CellKind, int | None]], total: int,
                     index: int) -> set[int]:
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


@given(st.lists(st.integers(min_value=0, max_value=60), max_size=12))
def test_hidden_cells_are_few_and_small_first(counts: list[int]) -> None:
    series = suppress_counts([(f"c{i}", v) for i, v in enumerate(counts)])
    if series.withheld or not any(0 < v < T for v in counts):
        return
    hidden = [v for c, v in zip(series.cells, counts, strict=True) if c.kind is CellKind.HIDDEN]
    shown = [v for c, v in zip(series.cells, counts, strict=True)
             if c.kind is CellKind.SHOWN and v > 0]
    if len(hidden) == 1 and shown:
        assert hidden[0] <= max(shown)
