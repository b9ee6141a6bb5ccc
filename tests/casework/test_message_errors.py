"""A staff message of only spaces is answered "Write a message.", a too-long one with the
length limit: on the case page (either button) and through the staff API."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sipadu.cases.models import CaseMessage
from tests.casework.conftest import Team, bearer, web_client
from tests.support.forms import find_form, submit

W, A = "/petugas/kasus", "/api/v1/staff/cases"
TOO_LONG = "x" * 20001


def _count(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(CaseMessage)) or 0


@pytest.mark.parametrize(
    ("form", "button"),
    [("message-form", "Kirim ke pelapor"), ("note-form", "Simpan catatan internal")],
)
@pytest.mark.parametrize(
    ("body", "said", "not_said"),
    [
        ("   ", "Tulis pesan.", "paling banyak"),
        (TOO_LONG, "Tulis pesan paling banyak 20000 karakter.", "Tulis pesan.<"),
    ],
)
def test_the_case_page_says_what_is_wrong(
    app: Flask,
    db: Session,
    team: Team,
    form: str,
    button: str,
    body: str,
    said: str,
    not_said: str,
) -> None:
    code = team.created.case.code
    staff = web_client(app, db, team.supervisor)
    before = _count(db)
    answer = submit(
        staff,
        staff.get(f"{W}/{code}"),
        form,
        fill={"body": body},
        button=button,
        follow_redirects=True,
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and said in page and not_said not in page
    assert _count(db) == before
    # What was typed stays in the form that sent it, and only there.
    kept = {f: find_form(answer, f).controls for f in ("message-form", "note-form")}
    values = {f: [c.value for c in controls if c.name == "body"] for f, controls in kept.items()}
    other = "note-form" if form == "message-form" else "message-form"
    assert values[form] == [body]
    assert values[other] == [""]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (" \n\t ", "Tulis pesan."),
        (TOO_LONG, "Tulis pesan paling banyak 20000 karakter."),
    ],
)
def test_the_api_says_what_is_wrong(
    app: Flask, db: Session, team: Team, body: str, said: str
) -> None:
    code = team.created.case.code
    answer = app.test_client().post(
        f"{A}/{code}/messages",
        headers=bearer(db, team.supervisor),
        json={"body": body, "internal": False},
    )
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "invalid" and error["message"] == said
