"""Small-cell suppression for published counts.

A count between 1 and 4 could point at a single reporter ("the only gratuity report from
that office this month"), so it is never shown: tables say "< 5" and charts draw a neutral,
hatched mark of fixed size, and the exact number appears nowhere, not even in a title. Zero
is shown: it identifies no one.

**Subtraction.** A table shows its exact total, and the same total is public in every other
table. With a single "< 5" cell, total minus the shown cells would give it back. So we also
hide other cells (secondary suppression, shown as "hidden") until, for an attacker who knows the
exact total, the rules above and that a hidden cell is at least 5, every "< 5" cell could
still be any of 1 to 4. We prefer hiding small cells, so little information is lost. When no
choice of cells in the row achieves that (e.g. 1, 5, 5: the total 11 and two hidden cells of at
least 5 pin the small one to 1), the breakdown is withheld: every non-zero cell is shown as
"hidden", none as "< 5", so nothing says which one is small. We chose this over
rounding the total: a rounded total still narrows a suppressed cell near the rounding
boundaries (e.g. total 93 shown as 90 means the small cell was 1).

Cells that are hidden keep no value at all (``Cell.value is None``), so a template or a chart
cannot leak what it never receives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext

THRESHOLD = 5


class CellKind(StrEnum):
    """How a count is published."""

    SHOWN = "shown"
    SMALL = "small"  # 1 .. threshold-1: shown as "< 5"
    HIDDEN = "hidden"  # hidden to protect a small cell (secondary suppression)


@dataclass(frozen=True)
class Cell:
    """One published count; ``value`` is ``None`` whenever it is suppressed."""

    label: str
    kind: CellKind
    value: int | None
    threshold: int = THRESHOLD

    @property
    def display(self) -> str:
        """The text for a table cell: the number, "< 5", or "hidden" (translated)."""
        if self.kind is CellKind.SHOWN:
            return str(self.value)
        if self.kind is CellKind.SMALL:
            return f"< {self.threshold}"
        return str(lazy_gettext("hidden"))

    @property
    def suppressed(self) -> bool:
        """True when the exact count is withheld."""
        return self.kind is not CellKind.SHOWN


@dataclass(frozen=True)
class SuppressedSeries:
    """A row of counts (label → count) with its total, ready to publish."""

    cells: tuple[Cell, ...]
    total: Cell
    threshold: int = THRESHOLD
    withheld: bool = False  # the breakdown could not be protected and is not published

    @property
    def any_suppressed(self) -> bool:
        """True when a footnote about suppression is needed."""
        return self.total.suppressed or any(cell.suppressed for cell in self.cells)


def small_cell_range(small: list[int], hidden: list[int], threshold: int) -> tuple[int, int]:
    """What an attacker who knows the total can say about one "< 5" cell: (lowest, highest).

    Small cells are known to be 1..threshold-1 and hidden cells at least ``threshold``; the
    total of all suppressed cells is the published total minus the shown cells.
    """
    k, h, rest = len(small), len(hidden), sum(small) + sum(hidden)
    highest = rest - (k - 1) - h * threshold
    lowest = 1 if h else rest - (k - 1) * (threshold - 1)
    return max(1, lowest), min(threshold - 1, highest)


def _protected(small: list[int], hidden: list[int], threshold: int) -> bool:
    return not small or small_cell_range(small, hidden, threshold) == (1, threshold - 1)


def _secondary(values: list[int], small: set[int], threshold: int) -> set[int] | None:
    """Indexes to hide beside the small ones so the total reveals none; ``None`` if impossible."""
    chosen: set[int] = set()
    candidates = sorted(
        (i for i, v in enumerate(values) if v >= threshold), key=lambda i: (values[i], i)
    )

    def ok(extra: set[int]) -> bool:
        return _protected([values[i] for i in small], [values[i] for i in extra], threshold)

    while not ok(chosen):
        if not candidates:
            return None
        enough = next((i for i in candidates if ok(chosen | {i})), None)
        pick = enough if enough is not None else candidates[-1]
        candidates.remove(pick)
        chosen.add(pick)
    return chosen


def suppress_counts(
    counts: Mapping[str, int] | Iterable[tuple[str, int]],
    *,
    threshold: int = THRESHOLD,
    total_label: str = "total",
) -> SuppressedSeries:
    """Publish a row of counts: small cells as "< 5", others hidden where the total needs it."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    pairs = list(counts.items()) if isinstance(counts, Mapping) else list(counts)
    values = [count for _, count in pairs]
    if any(count < 0 for count in values):
        raise ValueError("counts cannot be negative")
    total = sum(values)
    small = {i for i, v in enumerate(values) if 0 < v < threshold}
    total_kind = CellKind.SMALL if 0 < total < threshold else CellKind.SHOWN
    hidden: set[int] = set()
    withheld = False
    if total_kind is CellKind.SHOWN and small:
        found = _secondary(values, small, threshold)
        if found is None:
            # No set of cells protects the small ones: withhold the whole breakdown. Every
            # non-zero cell is "hidden" alike, so none is known to be under the threshold.
            withheld = True
            small, found = set(), {i for i, v in enumerate(values) if v > 0}
        hidden = found
    cells = tuple(
        Cell(
            label,
            CellKind.SMALL if i in small else CellKind.HIDDEN if i in hidden else CellKind.SHOWN,
            None if i in small or i in hidden else value,
            threshold,
        )
        for i, (label, value) in enumerate(pairs)
    )
    total_cell = Cell(
        total_label, total_kind, total if total_kind is CellKind.SHOWN else None, threshold
    )
    return SuppressedSeries(cells, total_cell, threshold, withheld)
