"""A reporter's pages, API and stored rows date things by the day, never finer.

The case page and ``GET /api/v1/case`` show days in WIB (Asia/Jakarta) and carry no time of
day; what SIPADU seals about a reporter's own actions keeps the day only; and the reporter's
cookies are session cookies, gone when the browser closes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from sqlalchemy import select

from sipadu.cases.content import add_message, list_messages, read_report
from sipadu.cases.models import CaseGrant
from sipadu.cases.service import case_by_code, unlock_case_for_staff
from sipadu.days import WIB
from sipadu.db import db_session
from sipadu.sessions.models import AuthSession
from tests.reporting.conftest import Ready, case_key_of, login, post_case_form, submit

# 20:30 UTC on 6 December is 03:30 WIB on 7 December.
STAFF_REPLY_AT = datetime(2026, 12, 6, 20, 30, 12, 345678, tzinfo=UTC)
# What a reporter's times are coarsened to: the start of their Jakarta day.
MIDNIGHT = time(0, 0)
TIME_OF_DAY = re.compile(r"\b\d{1,2}[:.]\d{2}\b|T\d{2}:\d{2}")


def _filed_with_staff_reply(ready: Ready) -> tuple[str, str]:
    """A report, a reporter message and a staff reply: ``(case key, code)``."""
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    code = key.split("-")[0] + "-" + key.split("-")[1]
    with ready.app.app_context():
        db = db_session()
        case = case_by_code(db, code)
        assert case is not None
        dek = unlock_case_for_staff(
            db, case, ready.supervisor.account.id, ready.supervisor.private_key
        )
        add_message(
            db,
            case,
            dek,
            "Mohon kirim bukti.",
            author_kind="staff",
            staff_id=ready.supervisor.account.id,
            now=STAFF_REPLY_AT,
        )
        db.commit()
    return key, code


def test_the_case_page_shows_days_in_wib_and_no_time(ready: Ready) -> None:
    key, _ = _filed_with_staff_reply(ready)
    client = ready.app.test_client()
    client.get("/bahasa/en")
    login(client, key)
    assert post_case_form(client, "/kasus/saya/pesan", {"body": "Ini buktinya."}).status_code in (
        200,
        303,
    )
    html = client.get("/kasus/saya").get_data(as_text=True)
    stamps = re.findall(r'<time datetime="([^"]*)"', html)
    assert stamps and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", stamp) for stamp in stamps)
    assert '<time datetime="2026-12-07">7 December 2026</time>' in html
    assert "UTC" not in html
    main = html[html.index("<main") : html.index("</main>")]
    assert not TIME_OF_DAY.search(main), TIME_OF_DAY.search(main)


def test_the_case_page_in_indonesian(ready: Ready) -> None:
    key, _ = _filed_with_staff_reply(ready)
    client = ready.app.test_client()
    login(client, key)
    assert "7 Desember 2026" in client.get("/kasus/saya").get_data(as_text=True)


def test_the_case_api_gives_days_in_wib(ready: Ready) -> None:
    key, _ = _filed_with_staff_reply(ready)
    client = ready.app.test_client()
    headers = {"Authorization": f"CaseKey {key}"}
    assert (
        client.post(
            "/api/v1/case/messages", json={"body": "Tambahan."}, headers=headers
        ).status_code
        == 201
    )
    data = client.get("/api/v1/case", headers=headers).get_json()
    days = [message["sent_on"] for message in data["messages"]]
    assert days[0] == "2026-12-07" and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in days)
    assert all("sent_at" not in message for message in data["messages"])
    assert not TIME_OF_DAY.search(str(data))


def test_what_is_sealed_about_a_reporter_keeps_the_day(ready: Ready) -> None:
    key, code = _filed_with_staff_reply(ready)
    client = ready.app.test_client()
    login(client, key)
    post_case_form(client, "/kasus/saya/pesan", {"body": "Ini buktinya."})
    with ready.app.app_context():
        db = db_session()
        case = case_by_code(db, code)
        assert case is not None
        dek = unlock_case_for_staff(
            db, case, ready.supervisor.account.id, ready.supervisor.private_key
        )
        submitted = datetime.fromisoformat(str(read_report(case, dek)["submitted_at"]))
        assert submitted.astimezone(WIB).time() == MIDNIGHT
        mine = [
            m
            for m in list_messages(db, case, dek, include_internal=False)
            if m.author_kind == "reporter"
        ]
        assert mine and all(
            datetime.fromisoformat(m.sent_at).astimezone(WIB).time() == MIDNIGHT for m in mine
        )
        for grant in db.scalars(select(CaseGrant).where(CaseGrant.case_id == case.id)):
            assert grant.created_at.astimezone(WIB).time() == MIDNIGHT


def _set_cookie_headers(response: object) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))  # type: ignore[attr-defined]


def test_reporter_cookies_end_with_the_browser(ready: Ready) -> None:
    client = ready.app.test_client()
    language = client.get("/bahasa/en")
    filed = submit(client)
    key = case_key_of(filed)
    entered = login(client, key)
    cookies = (
        _set_cookie_headers(language) + _set_cookie_headers(filed) + _set_cookie_headers(entered)
    )
    assert any(c.startswith("sipadu_lang=") for c in cookies)
    assert any(c.startswith("sipadu_case=") for c in cookies)
    assert any(c.startswith("sipadu=") for c in cookies)  # the form-id session
    for cookie in cookies:
        lowered = cookie.lower()
        if "=;" in cookie or "max-age=0" in lowered:
            continue  # a cookie being deleted
        assert "max-age" not in lowered and "expires" not in lowered, cookie


def test_a_reporter_session_row_does_not_name_its_case(ready: Ready) -> None:
    """A dump taken while a reporter is signed in must not tell whose case is being read."""
    key, code = _filed_with_staff_reply(ready)
    client = ready.app.test_client()
    login(client, key)
    assert client.get("/kasus/saya").status_code == 200
    with ready.app.app_context():
        db = db_session()
        row = db.scalars(select(AuthSession).where(AuthSession.kind == "reporter")).one()
        case = case_by_code(db, code)
        assert case is not None
        assert row.case_id is None
        assert code.encode() not in bytes(row.payload)
        # The case is purged meanwhile: the session ends cleanly instead of opening anything.
        db.delete(case)
        db.commit()
    page = client.get("/kasus/saya")
    assert page.status_code == 303 and page.headers["Location"].endswith("/kasus")
