"""The auditor's log reads in words: unit, routing and grant events by their labels, staff by
username, units and places by name, reasons, yes/no and "none" in words (both languages),
and the unit and routing events are in the event filter."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_settings
from sipadu.audit.service import DetailValue, record_event
from sipadu.cases.kinds import GrantReason
from sipadu.units.models import Unit
from sipadu.units.service import set_route, set_staff_unit
from sipadu.web.i18n import LANG_COOKIE
from tests.casework.conftest import web_client
from tests.support.audit import seal_all
from tests.support.factories import make_staff
from tests.support.staff import enrolled
from tests.web.test_no_raw_keys import raw_key_pattern


def _events(app: Flask, db: Session) -> tuple[str, str, str]:
    """What the console writes when an admin places a supervisor and a kota in a unit, and a
    supervisor hands a case on, assigns and answers an objection. Returns (supervisor,
    first unit's name, second unit's name)."""
    key = current_settings(app).keyring.audit_hmac_key  # type: ignore[union-attr]
    person = enrolled(app, db, "supervisor")
    account = db.get(StaffAccount, person.account_id)
    assert account is not None
    first, second = db.scalars(select(Unit).order_by(Unit.code).limit(2)).all()
    set_staff_unit(db, account, first, audit_key=key, actor="cli")
    set_route(db, "31.75", second, audit_key=key, actor="cli")
    actor = f"staff:{account.id}"
    moved: dict[str, DetailValue] = {
        "from": first.code,
        "to": second.code,
        "moved": False,
        "granted": 2,
        "revoked": 0,
    }
    record_event(db, key, "case:routed", actor=actor, case_code="SPD-7K3Q9M", detail=moved)
    grant: dict[str, DetailValue] = {"grantee": account.id, "reason": GrantReason.ASSIGNMENT.value}
    record_event(db, key, "grant:created", actor=actor, case_code="SPD-7K3Q9M", detail=grant)
    answer: dict[str, DetailValue] = {"reopened_to": None}
    record_event(db, key, "objection:answered", actor=actor, case_code="SPD-7K3Q9M", detail=answer)
    db.commit()
    seal_all(app, db)
    return person.username, first.name, second.name


def _auditor(app: Flask, db: Session, language: str) -> FlaskClient:
    client = web_client(app, db, make_staff(app, db, "auditor"))
    client.set_cookie(LANG_COOKIE, language)
    return client


def test_the_log_names_everything_in_words(app: Flask, db: Session) -> None:
    username, first, second = _events(app, db)
    expected = {
        "en": (
            "Staff member's unit set",
            "Routing rule set for a kota",
            "Case handed to another unit",
            "Assignment",
            "Reopened to",
            "None",
            "Case moved",
            "No",
            "Jakarta Timur",
        ),
        "id": (
            "Unit pegawai diatur",
            "Aturan penyaluran untuk kota diatur",
            "Kasus diserahkan ke unit lain",
            "Penugasan",
            "Dibuka kembali ke",
            "Tidak ada",
            "Tidak",
        ),
    }
    for language, words in expected.items():
        refresh()  # the test's app context would keep the first request's language
        page = _auditor(app, db, language).get("/auditor/").get_data(as_text=True)
        rows = page.split("<tbody>")[1]
        for word in (*words, username, first, second):
            assert str(escape(word)) in rows, (language, word)
        assert raw_key_pattern().findall(rows) == [], language
        for raw in ("grantee", "reopened_to", "assignment", "False", ">None<", "; moved:"):
            assert raw not in rows, (language, raw)


def test_the_filter_offers_the_unit_and_routing_events(app: Flask, db: Session) -> None:
    _events(app, db)
    client = _auditor(app, db, "en")
    page = client.get("/auditor/").get_data(as_text=True)
    for tag in ("unit:", "unit:member_set", "unit:route_set", "case:routed"):
        assert f'<option value="{tag}"' in page, tag
    rows = client.get("/auditor/?tag=unit:").get_data(as_text=True).split("<tbody>")[1]
    assert "Staff member&#39;s unit set" in rows and "Routing rule set" in rows
    assert "Case handed to another unit" not in rows
