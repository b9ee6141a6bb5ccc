"""Aggregation of plain case records for the statistics page."""

from __future__ import annotations

from datetime import date, timedelta

from sipadu.stats.compute import (
    CaseRecord,
    counts_by_category,
    counts_by_month,
    counts_by_rating,
    counts_by_status,
    counts_by_unit,
    deadline_compliance,
    mean_days_to_close,
    mean_rating,
    summarize,
)


def _record(
    category: str = "gratifikasi",
    status: str = "verifikasi",
    unit: str = "Irban I",
    received: date = date(2026, 11, 2),
    closed: date | None = None,
    met: dict[str, bool] | None = None,
) -> CaseRecord:
    return CaseRecord(category, status, unit, received, closed, met or {})


def test_counts() -> None:
    records = [_record(), _record("pungli", unit="Irban II"), _record("kkn", "selesai")]
    assert counts_by_category(records, ["pungli", "korupsi"]) == {
        "pungli": 1,
        "korupsi": 0,
        "gratifikasi": 1,
        "kkn": 1,
    }
    by_status = counts_by_status(records)
    assert list(by_status)[:2] == ["diterima", "verifikasi"]
    assert by_status["verifikasi"] == 2 and by_status["selesai"] == 1
    assert by_status["diarsipkan"] == 0
    assert counts_by_unit(records) == {"Irban I": 2, "Irban II": 1}


def test_months_fill_gaps_across_the_year() -> None:
    records = [
        _record(received=date(2026, 11, 30)),
        _record(received=date(2027, 2, 1)),
        _record(received=date(2027, 2, 28)),
    ]
    assert counts_by_month(records) == {"2026-11": 1, "2026-12": 0, "2027-01": 0, "2027-02": 2}
    assert counts_by_month(records, start="2027-01", end="2027-03") == {
        "2027-01": 0,
        "2027-02": 2,
        "2027-03": 0,
    }
    assert counts_by_month([]) == {}
    assert records[0].received_month == "2026-11"


def test_compliance_needs_enough_cases() -> None:
    on_time = [_record(met={"acknowledge": True, "verification": True}) for _ in range(4)]
    late = [_record(met={"acknowledge": False})]
    compliance = deadline_compliance(on_time + late)
    assert compliance["acknowledge"] == 80.0
    assert compliance["verification"] is None  # four cases only
    assert compliance["feedback"] is None and compliance["resolution"] is None


def test_mean_days_to_close() -> None:
    closed = [
        _record(received=date(2026, 1, 1), closed=date(2026, 1, 1) + timedelta(days))
        for days in (10, 20, 30, 40)
    ]
    assert mean_days_to_close(closed) is None
    closed.append(_record(received=date(2026, 1, 1), closed=date(2026, 3, 2)))  # 60 days
    assert mean_days_to_close([*closed, _record()]) == 32.0
    assert mean_days_to_close(closed, threshold=0) == 32.0


def test_summarize() -> None:
    records = [_record(), _record(closed=date(2026, 12, 1), status="selesai")]
    stats = summarize(records, categories=["gratifikasi"])
    assert stats.total == 2 and stats.by_category == {"gratifikasi": 2}
    assert stats.by_month == {"2026-11": 2} and stats.mean_days_to_close is None


def test_ratings_count_by_score_and_average_only_above_threshold() -> None:
    rated = [
        CaseRecord("kkn", "selesai", "Irban I", date(2026, 11, 2), rating=score)
        for score in (5, 5, 4, 2)
    ]
    unrated = [_record()]
    assert counts_by_rating(rated + unrated) == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}
    assert mean_rating(rated + unrated) is None  # four ratings: too few to average
    five = [*rated, CaseRecord("kkn", "selesai", "Irban I", date(2026, 11, 2), rating=3)]
    assert mean_rating(five) == 3.8
    assert summarize(five).by_rating["5"] == 2 and summarize(five).mean_rating == 3.8
