"""A year's figures for the public statistics page: received, closed, on time, by category
and status, month by month; and the totals of every year.

Exact numbers, like ``compute.py``: the page publishes them only through
``sipadu.stats.suppress``. A case counts as received in the year of its ``received_on`` and
closed in the year of its ``closed_on``; the breakdowns by category, status and deadline are
of the cases received that year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sipadu.stats.compute import (
    CaseRecord,
    counts_by_category,
    counts_by_month,
    counts_by_status,
    deadline_compliance,
)
from sipadu.stats.suppress import THRESHOLD


@dataclass(frozen=True)
class YearFigures:
    """One calendar year, exact."""

    year: int
    received: int
    closed: int
    received_by_month: dict[str, int]  # "YYYY-MM" -> count, all twelve months
    closed_by_month: dict[str, int]
    by_category: dict[str, int]
    by_status: dict[str, int]
    compliance: dict[str, float | None]  # deadline kind -> % met on time, None under threshold


def years_with_cases(records: Iterable[CaseRecord], today: date) -> list[int]:
    """Every year from the first case's to this one, newest first."""
    first = min((record.received_on.year for record in records), default=today.year)
    return list(range(today.year, min(first, today.year) - 1, -1))


def _closed_month(record: CaseRecord) -> str | None:
    day = record.closed_on
    return None if day is None else f"{day.year:04d}-{day.month:02d}"


def year_figures(
    records: Iterable[CaseRecord],
    year: int,
    *,
    categories: Sequence[str] = (),
    threshold: int = THRESHOLD,
) -> YearFigures:
    """The figures of ``year`` from every case record."""
    rows = list(records)
    received = [record for record in rows if record.received_on.year == year]
    closed = Counter(
        month for month in map(_closed_month, rows) if month and month.startswith(f"{year:04d}-")
    )
    months = [f"{year:04d}-{month:02d}" for month in range(1, 13)]
    return YearFigures(
        year=year,
        received=len(received),
        closed=sum(closed.values()),
        received_by_month=counts_by_month(received, months[0], months[-1]),
        closed_by_month={month: closed.get(month, 0) for month in months},
        by_category=counts_by_category(received, categories),
        by_status=counts_by_status(received),
        compliance=deadline_compliance(received, threshold),
    )


def yearly_totals(
    records: Iterable[CaseRecord], years: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Per year (as given): cases received and cases closed in it."""
    rows = list(records)
    received = Counter(record.received_on.year for record in rows)
    closed = Counter(record.closed_on.year for record in rows if record.closed_on is not None)
    return {year: (received.get(year, 0), closed.get(year, 0)) for year in years}
