"""Operator intake: an intake officer files a report for someone and hands over the key on
a slip; the key is kept nowhere, the officer cannot open the case, the person follows up
with it like any reporter; other roles cannot file this way; the officer's own limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sipadu.audit.models import AuditEvent
from sipadu.cases.models import Case, CaseGrant
from sipadu.cases.service import CaseAccessError, unlock_case_for_staff
from sipadu.db import db_session
from sipadu.units.models import Agency
from sipadu.web.i18n import LANG_COOKIE
from tests.casework.conftest import web_client
from tests.conftest import build_app, make_settings
from tests.reporting.conftest import KEY_RE, login
from tests.support.audit import seal_all
from tests.support.clock import pin_limiter_clock
from tests.support.factories import StaffMember, make_staff
from tests.support.forms import build, send, submit
from tests.support.instance import Database

P = "/petugas/penerimaan"
REPORT = {"category": "pungli", "what": "Diminta uang untuk surat pindah.", "channel": "surat"}


@pytest.fixture
def officer(app: Flask, db: Session) -> StaffMember:
    make_staff(app, db, "supervisor")  # someone reads the cases
    member = make_staff(app, db, "intake_officer")
    db.commit()
    return member


def _file(client: FlaskClient, fill: dict[str, str]) -> tuple[int, str]:
    answer = submit(client, client.get(P), P, fill=fill)
    return answer.status_code, answer.get_data(as_text=True)


def test_the_officer_files_hands_over_the_key_and_cannot_read_the_case(
    app: Flask, db: Session, officer: StaffMember
) -> None:
    client = web_client(app, db, officer)
    status, slip = _file(client, {**REPORT, "location": "31.75", "channel": "loket_inspektorat"})
    assert status == 201
    match = KEY_RE.search(re.sub(r"<[^>]+>", "", slip))  # the key is printed in groups
    assert match is not None
    key, code = match.group(0), match.group(0)[:10]
    case = db.scalar(select(Case).where(Case.code == code))
    assert case is not None
    assert (case.intake_channel, case.unit) == ("loket_inspektorat", "irban-jaktim")
    # No grant, no page, no key of theirs opens it.
    holders = set(db.scalars(select(CaseGrant.staff_id).where(CaseGrant.case_id == case.id)))
    assert officer.account.id not in holders
    with pytest.raises(CaseAccessError):
        unlock_case_for_staff(db, case, officer.account.id, officer.private_key)
    assert client.get(f"/petugas/kasus/{code}").status_code == 403
    assert client.get("/petugas/kasus").status_code == 403
    # The person follows up with the key like any reporter.
    person = app.test_client()
    assert login(person, key).status_code == 303
    assert "Diterima" in person.get("/kasus/saya").get_data(as_text=True)
    # Audited as filed by the officer, to the day; the key is nowhere in the database.
    seal_all(app, db)
    filed = db.scalars(select(AuditEvent).where(AuditEvent.tag == "case:filed_by_operator")).one()
    assert filed.actor == f"staff:{officer.account.id}" and filed.case_code == code
    assert '"channel":"loket_inspektorat"' in filed.detail.replace(" ", "")
    assert (filed.occurred_at.hour, filed.occurred_at.minute) == (0, 0)
    secret = key[11:].replace("-", "")
    for table in ("audit_events", "audit_queue", "cases", "auth_sessions", "case_grants"):
        dump = repr(db.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
        assert secret not in dump and key not in dump, table


def test_the_place_list_marks_a_whole_kecamatan_like_the_citizen_form(
    app: Flask, db: Session, officer: StaffMember
) -> None:
    page = web_client(app, db, officer).get(P).get_data(as_text=True)
    option = page.split('<option value="31.75.01"')[1].split("</option>")[0]
    assert option.endswith("(seluruh kecamatan)")
    kelurahan = page.split('<option value="31.75.01.1001"')[1].split("</option>")[0]
    assert "seluruh" not in kelurahan


def test_a_reload_or_second_click_files_nothing_twice(
    app: Flask, db: Session, officer: StaffMember
) -> None:
    client = web_client(app, db, officer)
    sent = build(client.get(P), P, fill=REPORT)
    assert send(client, sent).status_code == 201
    again = send(client, sent, follow_redirects=True)  # the browser resends the same form
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and "sudah dicatat" in page
    assert KEY_RE.search(re.sub(r"<[^>]+>", "", page)) is None  # the key is not shown again
    assert len(db.scalars(select(Case.id)).all()) == 1
    # A fresh rendering of the form files the next person's report.
    assert _file(client, REPORT)[0] == 201
    assert len(db.scalars(select(Case.id)).all()) == 2
    # Opened directly, the page claims nothing was filed.
    assert "sudah dicatat" not in client.get(f"{P}/sudah-dikirim").get_data(as_text=True)


def test_the_case_page_names_the_place_agency_and_channel_in_words(app: Flask, db: Session) -> None:
    supervisor, member = make_staff(app, db, "supervisor"), make_staff(app, db, "intake_officer")
    db.commit()
    agency = db.scalars(select(Agency).where(Agency.active.is_(True))).first()
    assert agency is not None  # the seeded list
    fill = {**REPORT, "location": "31.75", "agency": agency.code, "channel": "telepon"}
    assert _file(web_client(app, db, member), fill)[0] == 201
    code = db.scalars(select(Case.code)).one()
    reader = web_client(app, db, supervisor)
    words = {
        "id": ("Di mana di DKI Jakarta", "Instansi yang dilaporkan", "Diterima melalui", "Telepon"),
        "en": ("Where in DKI Jakarta", "Agency reported", "Received through", "Telephone call"),
    }
    for language, expected in words.items():
        reader.set_cookie(LANG_COOKIE, language)
        page = reader.get(f"/petugas/kasus/{code}").get_data(as_text=True)
        for word in expected:
            assert word in page, (language, word)
        assert escape(agency.name) in page and "Jakarta Timur" in page
        for raw in (">location<", ">agency<", ">telepon<"):
            assert raw not in page, (language, raw)


@pytest.mark.parametrize(
    ("fill", "field"),
    [
        ({**REPORT, "channel": ""}, "channel"),
        ({**REPORT, "what": ""}, "what"),
    ],
)
def test_an_incomplete_form_files_nothing(
    app: Flask, db: Session, officer: StaffMember, fill: dict[str, str], field: str
) -> None:
    client = web_client(app, db, officer)
    answer = client.post(P, data={"csrf_token": _token(client), **fill})
    assert answer.status_code == 422 and f'id="{field}-error"' in answer.get_data(as_text=True)
    assert db.scalar(select(Case.id)) is None


def test_a_forged_channel_is_refused(app: Flask, db: Session, officer: StaffMember) -> None:
    client = web_client(app, db, officer)
    answer = client.post(P, data={"csrf_token": _token(client), **REPORT, "channel": "jaki"})
    assert answer.status_code == 422
    assert db.scalar(select(Case.id)) is None


def _token(client: FlaskClient) -> str:
    page = client.get(P).get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.mark.parametrize("role", ["admin", "supervisor", "investigator", "auditor"])
def test_only_intake_officers_file_on_behalf(app: Flask, db: Session, role: str) -> None:
    make_staff(app, db, "supervisor")
    member = make_staff(app, db, role)
    db.commit()
    client = web_client(app, db, member)
    assert client.get(P).status_code == 403
    assert client.post(P, data=REPORT).status_code in {400, 403}
    assert app.test_client().get(P).status_code in {401, 303}
    assert app.test_client().post(P, data=REPORT).status_code in {400, 401, 303}
    assert db.scalar(select(Case.id)) is None


def test_each_officer_has_a_limit_of_their_own(
    tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_limiter_clock(monkeypatch)
    app = build_app(make_settings(tmp_path, sqlite_database))
    with app.app_context():
        db = db_session()
        make_staff(app, db, "supervisor")
        first, second = make_staff(app, db, "intake_officer"), make_staff(app, db, "intake_officer")
        db.commit()
        one, two = web_client(app, db, first), web_client(app, db, second)
    try:
        # More than a reporter's 5 a minute from one address: a counter files many.
        statuses = [_file(one, REPORT)[0] for _ in range(11)]
        assert statuses == [201] * 10 + [429]
        assert _file(two, REPORT)[0] == 201
    finally:
        app.extensions["sipadu.engine"].dispose()
