"""Reports of one received day are listed in the order of their random codes, never in the
order they arrived: the inbox must not rank a reporter's filing within its day
(docs/audit.md). Every sort, the web inbox and the API alike; paging stays stable."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sipadu.cases.models import Case, CaseGrant
from sipadu.casework.inbox import SORTS, InboxFilters, inbox
from tests.casework.conftest import bearer, web_client
from tests.support.factories import StaffMember, make_staff

MONDAY = date(2026, 11, 23)
# Filed in this order (so their row ids count up in it), deliberately not in code order.
TODAY_FILED = ["SPD-O00004", "SPD-O00001", "SPD-O00003", "SPD-O00000", "SPD-O00002"]
YESTERDAY_FILED = ["SPD-N00001", "SPD-N00002", "SPD-N00000"]
_LINK = re.compile(r'href="/petugas/kasus/(SPD-[A-Z0-9]+)"')


def _file(db: Session, member: StaffMember, code: str, day: date) -> None:
    """One metadata-only report, committed on its own: its row id follows the filing order."""
    now = datetime.now(UTC)
    db.execute(
        insert(Case),
        [
            {
                "code": code,
                "category": "gratifikasi",
                "status": "diterima",
                "objection_used": False,
                "received_on": day,
                "report_sealed": b"-",
                "reporter_key_record": b"-",
                "updated_at": now,
            }
        ],
    )
    case_id = db.scalar(select(Case.id).where(Case.code == code))
    db.execute(
        insert(CaseGrant),
        [
            {
                "case_id": case_id,
                "staff_id": member.account.id,
                "reason": "supervisor",
                "wrapped_dek": b"-",
                "granted_by": None,
                "created_at": now,
            }
        ],
    )
    db.commit()


@pytest.fixture
def boss(app: Flask, db: Session) -> StaffMember:
    member = make_staff(app, db, "supervisor")
    for code in YESTERDAY_FILED:
        _file(db, member, code, MONDAY - timedelta(days=1))
    for code in TODAY_FILED:
        _file(db, member, code, MONDAY)
    return member


def _expected(sort: str) -> list[str]:
    days = [sorted(TODAY_FILED), sorted(YESTERDAY_FILED)]
    if sort == "received_asc":
        days.reverse()
    return days[0] + days[1]


@pytest.mark.parametrize("sort", SORTS)
def test_within_a_day_the_inbox_follows_the_codes_not_the_filing_order(
    app: Flask, db: Session, boss: StaffMember, sort: str
) -> None:
    expected = _expected(sort)
    ids = db.scalars(select(Case.id).order_by(Case.id)).all()
    assert sorted(TODAY_FILED) != TODAY_FILED and len(ids) == len(expected)
    listed = inbox(
        db,
        staff_id=boss.account.id,
        role="supervisor",
        filters=InboxFilters(sort=sort),
        today=MONDAY,
    )
    assert [row.code for row in listed.rows] == expected
    paged, number = [], 1
    while True:
        page = inbox(
            db,
            staff_id=boss.account.id,
            role="supervisor",
            filters=InboxFilters(sort=sort, per_page=2, page=number),
            today=MONDAY,
        )
        paged += [row.code for row in page.rows]
        if not page.has_next:
            break
        number += 1
    assert paged == expected
    api = app.test_client().get(f"/api/v1/staff/cases?sort={sort}", headers=bearer(db, boss))
    assert [row["code"] for row in api.get_json()["cases"]] == expected
    web = web_client(app, db, boss).get(f"/petugas/kasus?sort={sort}")
    assert _LINK.findall(web.get_data(as_text=True)) == expected
