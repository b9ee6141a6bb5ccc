"""A year's figures for the public page: what counts in which year, and every year's totals."""

from __future__ import annotations

from datetime import date

from sipadu.stats.compute import CaseRecord
from sipadu.stats.yearly import year_figures, yearly_totals, years_with_cases


def _record(received: date, closed: date | None = None, category: str = "pungli") -> CaseRecord:
    status = "selesai" if closed else "verifikasi"
    return CaseRecord(category, status, "-", received, closed, {"acknowledge": True})


def test_a_case_counts_as_received_and_closed_in_the_years_it_was() -> None:
    records = [
        _record(date(2025, 12, 30), closed=date(2026, 1, 5)),
        _record(date(2026, 1, 2)),
        _record(date(2026, 3, 9), closed=date(2026, 3, 20), category="kkn"),
    ]
    figures = year_figures(records, 2026, categories=["kkn", "pungli"])
    assert (figures.received, figures.closed) == (2, 2)
    assert list(figures.received_by_month) == [f"2026-{m:02d}" for m in range(1, 13)]
    assert figures.received_by_month["2026-01"] == 1 and figures.received_by_month["2026-03"] == 1
    assert figures.closed_by_month["2026-01"] == 1 and figures.closed_by_month["2026-03"] == 1
    assert figures.by_category == {"kkn": 1, "pungli": 1}  # of the cases received in 2026
    assert figures.by_status["selesai"] == 1 and figures.by_status["verifikasi"] == 1
    assert figures.compliance["acknowledge"] is None  # two cases: under the threshold
    last = year_figures(records, 2025)
    assert (last.received, last.closed) == (1, 0)


def test_years_run_from_the_first_case_to_this_year_newest_first() -> None:
    today = date(2026, 12, 7)
    assert years_with_cases([], today) == [2026]
    records = [_record(date(2024, 5, 1), closed=date(2026, 2, 1))]
    assert years_with_cases(records, today) == [2026, 2025, 2024]
    assert yearly_totals(records, [2026, 2025, 2024]) == {2026: (0, 1), 2025: (0, 0), 2024: (1, 0)}
