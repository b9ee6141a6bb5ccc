"""Statistics from plain case records: counts, deadline compliance, time to close.

The records are plain values the caller reads from the database (metadata only, never content).
Everything here returns exact numbers; publishing them goes through ``sipadu.stats.suppress``.
Percentages and means are only given when at least ``threshold`` cases stand behind them, so a
figure cannot describe one or two identifiable cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sipadu.cases.deadlines import DeadlineKind
from sipadu.cases.statuses import Status
from sipadu.stats.suppress import THRESHOLD


@dataclass(frozen=True)
class CaseRecord:
    """What the statistics know of one case.

    ``deadlines_met`` maps a deadline kind (``acknowledge``, ``verification``, ``feedback``,
    ``resolution``) to whether it was met on time; a deadline not yet due or still open is left
    out.
    """

    category: str
    status: str
    unit: str
    received_on: date
    closed_on: date | None = None
    deadlines_met: Mapping[str, bool] = field(default_factory=dict)
    # The reporter's rating of the handling (1-5), once given; never its comment.
    rating: int | None = None

    @property
    def received_month(self) -> str:
        """The month of receipt as ``YYYY-MM``."""
        return f"{self.received_on.year:04d}-{self.received_on.month:02d}"


@dataclass(frozen=True)
class Statistics:
    """Everything the auditor console shows, before suppression."""

    total: int
    by_category: dict[str, int]
    by_status: dict[str, int]
    by_month: dict[str, int]
    by_unit: dict[str, int]
    compliance: dict[str, float | None]
    mean_days_to_close: float | None
    by_rating: dict[str, int] = field(default_factory=dict)
    mean_rating: float | None = None


def counts_by_category(
    records: Iterable[CaseRecord], categories: Sequence[str] = ()
) -> dict[str, int]:
    """Cases per category: the known ``categories`` first (zeros included), then any other."""
    counted = Counter(record.category for record in records)
    result = {category: counted.pop(category, 0) for category in categories}
    result.update(sorted(counted.items()))
    return result


def counts_by_status(records: Iterable[CaseRecord]) -> dict[str, int]:
    """Cases per status, in workflow order, zeros included."""
    counted = Counter(record.status for record in records)
    result = {str(status): counted.pop(str(status), 0) for status in Status}
    result.update(sorted(counted.items()))
    return result


def counts_by_unit(records: Iterable[CaseRecord]) -> dict[str, int]:
    """Cases per unit of work, by unit name."""
    return dict(sorted(Counter(record.unit for record in records).items()))


def _month_key(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def counts_by_month(
    records: Iterable[CaseRecord], start: str | None = None, end: str | None = None
) -> dict[str, int]:
    """Cases per month of receipt, every month from ``start`` to ``end`` (``YYYY-MM``).

    Without bounds, the months from the first to the last record; empty months count zero.
    """
    counted = Counter(record.received_month for record in records)
    keys = [_month_key(month) for month in counted]
    first = _month_key(start) if start else min(keys, default=None)
    last = _month_key(end) if end else max(keys, default=None)
    if first is None or last is None:
        return {}
    months = (f"{key // 12:04d}-{key % 12 + 1:02d}" for key in range(first, last + 1))
    return {month: counted.get(month, 0) for month in months}


def deadline_compliance(
    records: Iterable[CaseRecord], threshold: int = THRESHOLD
) -> dict[str, float | None]:
    """Per deadline kind, the percentage met on time (one decimal), ``None`` under threshold."""
    met: Counter[str] = Counter()
    due: Counter[str] = Counter()
    for record in records:
        for kind, on_time in record.deadlines_met.items():
            due[kind] += 1
            met[kind] += bool(on_time)
    return {
        str(kind): (round(100 * met[kind] / due[kind], 1) if due[kind] >= threshold else None)
        for kind in DeadlineKind
    }


def mean_days_to_close(records: Iterable[CaseRecord], threshold: int = THRESHOLD) -> float | None:
    """Mean calendar days from receipt to closure (one decimal), ``None`` under threshold."""
    spans = [(r.closed_on - r.received_on).days for r in records if r.closed_on is not None]
    if len(spans) < max(threshold, 1):
        return None
    return round(sum(spans) / len(spans), 1)


RATING_SCORES = ("1", "2", "3", "4", "5")


def counts_by_rating(records: Iterable[CaseRecord]) -> dict[str, int]:
    """Rated cases per score, 1 to 5, zeros included."""
    counted = Counter(str(record.rating) for record in records if record.rating is not None)
    return {score: counted.get(score, 0) for score in RATING_SCORES}


def mean_rating(records: Iterable[CaseRecord], threshold: int = THRESHOLD) -> float | None:
    """The mean score of rated cases (one decimal), ``None`` under threshold."""
    scores = [record.rating for record in records if record.rating is not None]
    if len(scores) < max(threshold, 1):
        return None
    return round(sum(scores) / len(scores), 1)


def summarize(
    records: Iterable[CaseRecord],
    *,
    categories: Sequence[str] = (),
    start: str | None = None,
    end: str | None = None,
    threshold: int = THRESHOLD,
) -> Statistics:
    """All the figures of the statistics page from one pass over the records."""
    rows = list(records)
    return Statistics(
        total=len(rows),
        by_category=counts_by_category(rows, categories),
        by_status=counts_by_status(rows),
        by_month=counts_by_month(rows, start, end),
        by_unit=counts_by_unit(rows),
        compliance=deadline_compliance(rows, threshold),
        mean_days_to_close=mean_days_to_close(rows, threshold),
        by_rating=counts_by_rating(rows),
        mean_rating=mean_rating(rows, threshold),
    )
