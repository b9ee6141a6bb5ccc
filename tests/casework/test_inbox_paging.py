"""The inbox total is counted up to a cap; above it the page says "more than" and pages go by
next/previous links, in the HTML inbox and in the JSON API alike."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sipadu.cases.models import Case, CaseConflict, CaseGrant
from sipadu.casework import forms
from sipadu.casework import inbox as inbox_module
from sipadu.casework.inbox import COUNT_CAP, InboxFilters, InboxPage, inbox
from sipadu.web.i18n import LANG_COOKIE
from tests.casework.conftest import bearer, web_client
from tests.support.factories import StaffMember, make_staff

MONDAY = date(2026, 11, 23)
_NEXT = re.compile(r'href="([^"]+)" rel="next"')
_PREV = re.compile(r'href="([^"]+)" rel="prev"')


def _seed(
    db: Session,
    member: StaffMember,
    count: int,
    *,
    status: str = "diterima",
    reason: str = "supervisor",
    first: int = 0,
    age: int = 0,
) -> list[str]:
    """``count`` metadata-only cases held by ``member``, newest first by number (the inbox
    decrypts nothing, so the sealed columns hold placeholders)."""
    now = datetime.now(UTC)
    codes = [f"SPD-P{n:05d}" for n in range(first, first + count)]
    db.execute(
        insert(Case),
        [
            {
                "code": code,
                "category": "gratifikasi",
                "status": status,
                "objection_used": False,
                "received_on": MONDAY - timedelta(days=age + n),
                "report_sealed": b"-",
                "reporter_key_record": b"-",
                "updated_at": now,
            }
            for n, code in enumerate(codes, start=first)
        ],
    )
    ids = db.scalars(select(Case.id).where(Case.code.in_(codes))).all()
    db.execute(
        insert(CaseGrant),
        [
            {
                "case_id": case_id,
                "staff_id": member.account.id,
                "reason": reason,
                "wrapped_dek": b"-",
                "granted_by": None,
                "created_at": now,
            }
            for case_id in ids
        ],
    )
    db.commit()
    return codes


def _page(db: Session, member: StaffMember, cap: int, filters: InboxFilters) -> InboxPage:
    return inbox(
        db,
        staff_id=member.account.id,
        role=member.account.role,
        filters=filters,
        today=MONDAY,
        count_cap=cap,
    )


def test_totals_are_exact_up_to_the_cap(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    _seed(db, boss, 5)
    at_cap = _page(db, boss, 5, InboxFilters(per_page=2))
    assert (at_cap.total, at_cap.total_is_exact, at_cap.pages, at_cap.has_next) == (
        5,
        True,
        3,
        True,
    )
    last = _page(db, boss, 5, InboxFilters(per_page=2, page=3))
    assert (len(last.rows), last.has_next, last.pages) == (1, False, 3)
    over = _page(db, boss, 4, InboxFilters(per_page=2))
    assert (over.total, over.total_is_exact) == (4, False)
    # Five cases prove three pages of two; no more is promised.
    assert over.pages == 3


def test_paging_across_the_cap_reaches_every_case_once(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    codes = _seed(db, boss, 9)
    seen, number = [], 1
    while True:
        page = _page(db, boss, 4, InboxFilters(per_page=2, page=number))
        assert (page.total, page.total_is_exact) == (4, False)
        assert page.pages >= number  # a page being shown is always a known page
        seen += [row.code for row in page.rows]
        if not page.has_next:
            break
        assert page.pages >= number + 1
        number += 1
    assert seen == codes and number == 5


@pytest.mark.parametrize(
    "filters",
    [
        InboxFilters(),
        InboxFilters(status="verifikasi"),
        InboxFilters(due="overdue"),
        InboxFilters(assigned_to_me=True),
    ],
)
def test_the_cap_holds_for_every_count_path(app: Flask, db: Session, filters: InboxFilters) -> None:
    """Filtered counts (on cases) and unfiltered ones (on grants) stop at the cap alike,
    and a conflict still keeps a case out of the count."""
    worker = make_staff(app, db, "investigator")
    # Old enough to be overdue, so every filter matches the same cases.
    _seed(db, worker, 4, status="verifikasi", reason="assignment", age=100)
    _seed(db, worker, 1, status="verifikasi", reason="supervisor", first=50)  # not assigned
    conflicted = db.scalar(select(Case.id).where(Case.code == "SPD-P00000"))
    db.add(
        CaseConflict(
            case_id=conflicted,
            staff_id=worker.account.id,
            marked_by=None,
            created_at=datetime.now(UTC),
        )
    )
    db.commit()
    exact = _page(db, worker, 3, filters)
    assert (exact.total, exact.total_is_exact) == (3, True)
    assert len(exact.rows) == 3
    capped = _page(db, worker, 2, filters)
    assert (capped.total, capped.total_is_exact, len(capped.rows)) == (2, False, 3)


def _follow(client: FlaskClient, url: str) -> tuple[str, str | None, str | None]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = [_NEXT.search(html), _PREV.search(html)]
    links = [m.group(1).replace("&amp;", "&") if m else None for m in found]
    return html, links[0], links[1]


def test_html_inbox_pages_through_a_capped_total(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_module, "COUNT_CAP", 3)
    monkeypatch.setattr(forms, "PER_PAGE", 2)
    boss = make_staff(app, db, "supervisor")
    codes = _seed(db, boss, 5, status="verifikasi")
    client = web_client(app, db, boss)
    html, next_url, prev_url = _follow(client, "/petugas/kasus?status=verifikasi")
    assert "Lebih dari 3 kasus" in html and prev_url is None
    assert next_url is not None and "status=verifikasi" in next_url and "page=2" in next_url
    html, next_url, prev_url = _follow(client, next_url)  # page 2 used to fail with a 500
    assert "Halaman 2" in html and codes[2] in html and codes[1] not in html
    assert prev_url is not None and "page=1" in prev_url
    assert next_url is not None
    html, next_url, prev_url = _follow(client, next_url)
    assert codes[4] in html and next_url is None and prev_url is not None
    client.set_cookie(LANG_COOKIE, "en")
    html, _next, _prev = _follow(client, prev_url)
    assert "More than 3 cases" in html and "Page 2" in html and "Next page" in html


def test_html_exact_total_keeps_page_of_pages(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forms, "PER_PAGE", 2)
    boss = make_staff(app, db, "supervisor")
    _seed(db, boss, 3)
    html, next_url, _prev = _follow(web_client(app, db, boss), "/petugas/kasus")
    assert "3 kasus" in html and "Halaman 1 dari 2" in html and "Lebih dari" not in html
    assert next_url is not None


def test_real_cap_wording_uses_the_locale_number_format(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    _seed(db, boss, COUNT_CAP + 1)
    client = web_client(app, db, boss)
    html, _next, _prev = _follow(client, "/petugas/kasus")
    assert "Lebih dari 1.000 kasus" in html
    client.set_cookie(LANG_COOKIE, "en")
    html, _next, _prev = _follow(client, "/petugas/kasus")
    assert "More than 1,000 cases" in html


def test_api_reports_whether_the_total_is_exact(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_module, "COUNT_CAP", 30)
    boss = make_staff(app, db, "supervisor")
    codes = _seed(db, boss, 31)
    headers = bearer(db, boss)
    client = app.test_client()
    first = client.get("/api/v1/staff/cases", headers=headers).get_json()
    assert {key: first[key] for key in ("total", "total_is_exact", "has_next", "page")} == {
        "total": 30,
        "total_is_exact": False,
        "has_next": True,
        "page": 1,
    }
    assert first["pages"] == 2 and len(first["cases"]) == 25
    second = client.get("/api/v1/staff/cases?page=2", headers=headers).get_json()
    assert (second["has_next"], [row["code"] for row in second["cases"]]) == (False, codes[25:])
    narrow = client.get("/api/v1/staff/cases?status=verifikasi", headers=headers).get_json()
    assert (narrow["total"], narrow["total_is_exact"], narrow["has_next"]) == (0, True, False)


def test_openapi_describes_the_new_fields(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["StaffInbox"]
    assert schema["properties"]["total_is_exact"]["type"] == "boolean"
    assert schema["properties"]["has_next"]["type"] == "boolean"
    assert {"total", "total_is_exact", "has_next"} <= set(schema["required"])
