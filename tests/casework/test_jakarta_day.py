"""Every day a page shows or a statistic counts is the day in Jakarta (WIB, UTC+7).

The clock stands at an evening in UTC that is already the next day in Jakarta: a report filed
then is dated that next day on the reporter's page, the staff case page, both timelines, the
inbox and in the statistics, whatever hour the suite runs at.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu import days
from sipadu.stats.records import case_records
from tests.casework.conftest import Team, make_case, web_client
from tests.reporting.conftest import login, post_case_form

# 18:30 UTC on 7 December is 01:30 WIB on 8 December.
EVENING_UTC = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
SHOWN_DAY = "8 Desember 2026"  # as pages write it (sipadu/web/dates.py)
JAKARTA_DAY = "2026-12-08"


@pytest.fixture
def evening(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(days, "clock", lambda: EVENING_UTC)
    return EVENING_UTC


def test_a_report_filed_on_a_utc_evening_carries_the_jakarta_day_everywhere(
    app: Flask, db: Session, team: Team, evening: datetime
) -> None:
    created = make_case(app, db)
    code = created.case.code
    reporter = app.test_client()
    assert login(reporter, created.case_key).status_code == 303
    post_case_form(reporter, "/kasus/saya/pesan", {"body": "Ini bukti tambahan."})
    mine = reporter.get("/kasus/saya").get_data(as_text=True)
    # The timeline's "received" and the reporter's own message, both 8 December.
    assert mine.count(f'<time datetime="{JAKARTA_DAY}">') >= 2
    assert "2026-12-07" not in mine

    staff = web_client(app, db, team.supervisor)
    case_page = staff.get(f"/petugas/kasus/{code}").get_data(as_text=True)
    assert f"<dd>{SHOWN_DAY}</dd>" in case_page  # received
    assert f"<li>{SHOWN_DAY} — " in case_page  # the timeline's first entry
    assert f"{SHOWN_DAY} —\n" in case_page  # the reporter's message
    assert "7 Desember 2026" not in case_page
    inbox = staff.get(f"/petugas/kasus?q={code}").get_data(as_text=True)
    assert f">{SHOWN_DAY}</td>" in inbox


def test_a_report_filed_on_new_years_eve_utc_counts_in_january(
    app: Flask, db: Session, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20:00 UTC on 31 December is 03:00 WIB on 1 January.
    monkeypatch.setattr(days, "clock", lambda: datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    created = make_case(app, db)
    assert created.case.received_on == date(2027, 1, 1)
    records = [r for r in case_records(db, days.wib_today()) if r.received_on.year == 2027]
    assert [r.received_month for r in records] == ["2027-01"]
