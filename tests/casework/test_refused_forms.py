"""A refused case-page form answers with a redirect to the case page at that form
(Post/Redirect/Get): a reload never sends it again, the page shows the refusal once and the
form as it was sent, unit and ticks included. What was typed waits sealed in the staff
session, never in the address or a cookie."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.content import add_timeline_entry
from sipadu.sessions.models import AuthSession
from tests.casework.conftest import (
    Team,
    conflict_directly,
    press,
    refused_page,
    set_status,
    web_client,
)
from tests.support import forms
from tests.support.forms import sent_values

W = "/petugas/kasus"
SECRET = "TEKS-RAHASIA-7719 jawaban untuk pelapor"


def test_a_refused_unit_move_keeps_the_unit_and_the_ticks(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    # Nobody could read the case in Jakarta Timur's unit (it has no supervisor): refused.
    answer = forms.submit(
        client,
        client.get(f"{W}/{code}"),
        "unit-form",
        fill={"unit": "irban-jaktim"},
        tick=["move", "revoke"],
    )
    shown = refused_page(client, answer, code, "unit-form")
    assert "belum memiliki verifikator" in shown.get_data(as_text=True)
    assert sent_values(shown, "unit-form", "unit") == ["irban-jaktim"]
    ticked = {
        c.name
        for c in forms.find_form(shown, "unit-form").controls
        if c.kind == "checkbox" and c.checked
    }
    assert ticked == {"move", "revoke"}
    # A reload is a plain GET of the case page: shown once, the form back to the case's unit.
    again = client.get(answer.location)
    assert again.status_code == 200 and "belum memiliki verifikator" not in again.get_data(
        as_text=True
    )
    assert sent_values(again, "unit-form", "unit") != ["irban-jaktim"]


def test_a_refused_objection_answer_keeps_the_reopening_chosen(
    app: Flask, db: Session, team: Team
) -> None:
    code, case, dek = team.created.case.code, team.created.case, team.created.dek
    set_status(
        db, team.created, "selesai", closed_on=date.today(), outcome="terbukti", objection_used=True
    )
    add_timeline_entry(db, case, dek, kind="objection", text="Saya keberatan.")
    db.commit()
    client = web_client(app, db, team.supervisor)
    answer = press(
        client, code, "objection-answer", fill={"answer": "  ", "reopen_to": "investigasi"}
    )
    shown = refused_page(client, answer, code, "objection-answer")
    assert sent_values(shown, "objection-answer", "reopen_to") == ["investigasi"]


def test_a_refused_assignment_says_why_on_the_case_page(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    stale = client.get(f"{W}/{code}")
    name = team.investigator.account.username
    conflict_directly(db, team.created, team.investigator)  # meanwhile, in another tab
    answer = forms.submit(client, stale, "assign-form", fill={"username": name})
    shown = refused_page(client, answer, code, "assign-form")
    assert "konflik kepentingan" in shown.get_data(as_text=True)


def test_a_refused_retention_extension_keeps_the_date_and_reason(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    today = date.today()
    set_status(
        db, team.created, "diarsipkan", archived_on=today, retention_until=today + timedelta(days=5)
    )
    client = web_client(app, db, team.supervisor)
    answer = press(client, code, "retention-form", fill={"until": "kemarin", "reason": SECRET})
    shown = refused_page(client, answer, code, "retention-form")
    assert sent_values(shown, "retention-form", "until") == ["kemarin"]
    assert sent_values(shown, "retention-form", "reason") == [SECRET]


def test_a_refused_export_request_keeps_its_reason_and_view(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    fill = {"reason": "agency_clarify", "view": "full"}
    answer = press(client, code, "export-request", fill=fill)
    shown = refused_page(client, answer, code, "export-request")
    assert sent_values(shown, "export-request", "reason") == ["agency_clarify"]
    assert sent_values(shown, "export-request", "view") == ["full"]


def test_what_was_typed_waits_sealed_in_the_session_only(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    set_status(db, team.created, "verifikasi")
    client = web_client(app, db, team.supervisor)
    answer = press(client, code, "status-perlu_dilengkapi", fill={"reason": SECRET + "x" * 20_001})
    # Checked before the case page is opened, which takes the held form out of the session.
    assert answer.status_code == 303
    assert answer.location == f"{W}/{code}#status-perlu_dilengkapi"
    assert SECRET not in answer.location and "Set-Cookie" not in answer.headers
    held = [row for row in db.scalars(select(AuthSession.held_form)) if row]
    assert len(held) == 1 and SECRET.encode() not in bytes(held[0])
    shown = client.get(answer.location)
    assert sent_values(shown, "status-perlu_dilengkapi", "reason") == [SECRET + "x" * 20_001]
    db.expire_all()
    assert [row for row in db.scalars(select(AuthSession.held_form)) if row] == []  # taken


def test_another_case_does_not_show_the_held_form(app: Flask, db: Session, team: Team) -> None:
    from tests.support.factories import make_case

    other = make_case(app, db)
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    answer = press(client, code, "message-form", fill={"body": " "}, button="Kirim ke pelapor")
    assert answer.status_code == 303 and answer.location == f"{W}/{code}#message-form"
    elsewhere = client.get(f"{W}/{other.case.code}")
    assert elsewhere.status_code == 200
    assert sent_values(elsewhere, "message-form", "body") == [""]


@pytest.mark.parametrize(
    ("form", "fill"),
    [
        ("message-form", {"body": "   "}),
        ("note-form", {"body": "   "}),
        ("status-selesai", {"outcome": "terbukti", "reason": "   "}),
    ],
)
def test_a_refused_form_shows_its_error_inside_itself(
    app: Flask, db: Session, team: Team, form: str, fill: dict[str, str]
) -> None:
    # The redirect opens the page at the form, screens below the page's top: the error must
    # be read where the browser lands, not only in the summary above.
    code = team.created.case.code
    set_status(db, team.created, "investigasi")
    client = web_client(app, db, team.supervisor)
    answer = press(client, code, form, fill=fill)
    shown = refused_page(client, answer, code, form)
    element = BeautifulSoup(shown.get_data(as_text=True), "html.parser").find(id=form)
    assert isinstance(element, Tag)
    assert element.find(class_="field-error") is not None
