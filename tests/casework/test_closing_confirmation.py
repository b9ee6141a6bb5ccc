"""Closing a case asks first, without JavaScript: the confirmation page says what the reporter
is told and offered (their one objection, their rating) and shows what was typed; "Confirm"
closes, "Back" returns to the case page with everything typed kept. Posted as the pages send."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sipadu.cases.content import list_timeline
from sipadu.cases.models import Case
from tests.casework.conftest import Team, press, refused_page, set_status, web_client
from tests.support import forms
from tests.support.forms import sent_values

W = "/petugas/kasus"
CONCLUSION = "Terbukti ada pungutan; pegawai dijatuhi hukuman disiplin."


def _status(db: Session, team: Team) -> str:
    db.expire_all()
    case = db.get(Case, team.created.case.id)
    assert case is not None
    return case.status


def _ask_to_close(client: FlaskClient, code: str) -> TestResponse:
    fill = {"outcome": "terbukti", "reason": CONCLUSION}
    asked = press(client, code, "status-selesai", fill=fill)
    assert asked.status_code == 303 and asked.location == f"{W}/{code}/tutup"
    return client.get(asked.location)


def test_closing_asks_first_and_back_keeps_what_was_typed(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    set_status(db, team.created, "investigasi")
    client = web_client(app, db, team.supervisor)
    page = _ask_to_close(client, code)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and _status(db, team) == "investigasi"  # nothing closed yet
    assert "Selesai" in text and CONCLUSION in text and "Terbukti" in text
    assert "keberatan" in text and "menilai" in text and "langsung diberi tahu" in text
    back = forms.submit(client, page, "confirm-form", button="decision.back")
    assert back.status_code == 303 and back.location == f"{W}/{code}#status-selesai"
    shown = client.get(back.location)
    assert shown.status_code == 200 and _status(db, team) == "investigasi"
    assert sent_values(shown, "status-selesai", "reason") == [CONCLUSION]
    assert sent_values(shown, "status-selesai", "outcome") == ["terbukti"]
    # Sent again as kept, and confirmed: now it closes.
    page = _ask_to_close(client, code)
    done = forms.submit(client, page, "confirm-form", button="decision.confirm")
    assert done.status_code == 303 and _status(db, team) == "selesai"
    last = list_timeline(db, team.created.case, team.created.dek)[-1]
    assert last.text == CONCLUSION


def test_cannot_be_followed_up_asks_too_and_an_incomplete_closing_is_refused_at_once(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    set_status(db, team.created, "verifikasi")
    client = web_client(app, db, team.supervisor)
    empty = press(client, code, "status-tidak_dapat_ditindaklanjuti", fill={"reason": " "})
    refused_page(client, empty, code, "status-tidak_dapat_ditindaklanjuti")
    asked = press(client, code, "status-tidak_dapat_ditindaklanjuti", fill={"reason": "Di luar."})
    assert asked.location == f"{W}/{code}/tutup"
    page = client.get(asked.location)
    assert "Tidak dapat ditindaklanjuti" in page.get_data(as_text=True)
    assert _status(db, team) == "verifikasi"


@pytest.mark.parametrize("target", ["perlu_dilengkapi", "investigasi"])
def test_a_step_that_does_not_close_is_not_asked(
    app: Flask, db: Session, team: Team, target: str
) -> None:
    code = team.created.case.code
    set_status(db, team.created, "verifikasi")
    client = web_client(app, db, team.supervisor)
    fill = {"reason": "Mohon lengkapi."} if target == "perlu_dilengkapi" else None
    done = press(client, code, f"status-{target}", fill=fill)
    assert done.status_code == 303 and done.location == f"{W}/{code}"
    assert _status(db, team) == target


def test_the_confirmation_page_without_a_held_closing_goes_back(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    answer = client.get(f"{W}/{code}/tutup")
    assert answer.status_code == 303 and answer.location == f"{W}/{code}"


def test_recording_the_institutions_outcome_asks_before_closing(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    set_status(db, team.created, "diteruskan", decided_on=date.today(), forwarded_to="kpk")
    client = web_client(app, db, team.supervisor)
    fill = {"forward_result": "tidak_ditangani", "message": "Kami periksa sendiri."}
    asked = press(client, code, "forward-outcome", fill=fill)
    assert asked.location == f"{W}/{code}/tutup"
    page = client.get(asked.location)
    assert "Kami periksa sendiri." in page.get_data(as_text=True)
    assert _status(db, team) == "diteruskan"
    done = forms.submit(client, page, "confirm-form", button="decision.confirm")
    assert done.status_code == 303 and _status(db, team) == "selesai"


def test_the_confirmation_calls_the_conclusion_what_the_form_called_it(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    set_status(db, team.created, "investigasi")
    client = web_client(app, db, team.supervisor)
    case_page = BeautifulSoup(client.get(f"{W}/{code}").get_data(as_text=True), "html.parser")
    form_label = case_page.find("label", attrs={"for": "s-reason-selesai"})
    assert form_label is not None and form_label.get_text() == "Kesimpulan (dibaca pelapor)"
    page = BeautifulSoup(_ask_to_close(client, code).get_data(as_text=True), "html.parser")
    typed = page.find(id="close-typed")
    assert isinstance(typed, Tag)
    labels = [term.get_text() for term in typed.find_all("dt")]
    assert "Kesimpulan (dibaca pelapor)" in labels and "Alasan (dibaca pelapor)" not in labels
