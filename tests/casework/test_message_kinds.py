"""Internal notes never reach the reporter: the case page's message form has one button for
each act, and the server refuses a form or API call that does not say which instead of
guessing "to the reporter"."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sipadu.cases.content import add_message
from sipadu.cases.models import CaseMessage
from tests.casework.conftest import Team, bearer, events, web_client
from tests.support.forms import build, send, submit

W, A = "/petugas/kasus", "/api/v1/staff/cases"
NOTE, REPLY = "Saksi kunci: bendahara dinas.", "Mohon kirim bukti transfer."


def reporter_page(app: Flask, key: str) -> str:
    """The reporter's follow-up page, reached by entering the case key on /kasus."""
    reporter: FlaskClient = app.test_client()
    entered = submit(
        reporter, reporter.get("/kasus"), "/kasus", fill={"case_key": key}, follow_redirects=True
    )
    assert entered.status_code == 200
    return entered.get_data(as_text=True)


def message_count(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(CaseMessage)) or 0


def test_the_note_button_keeps_the_note_from_the_reporter(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    staff = web_client(app, db, team.supervisor)
    saved = submit(
        staff,
        staff.get(f"{W}/{code}"),
        "note-form",
        fill={"body": NOTE},
        button="Simpan catatan internal",
    )
    assert saved.status_code == 303
    assert NOTE not in reporter_page(app, team.created.case_key)
    assert len(events(db, "note:added", code)) == 1
    assert events(db, "message:sent", code) == []
    # The staff thread shows the note, visibly marked as internal.
    thread = staff.get(f"{W}/{code}").get_data(as_text=True)
    assert NOTE in thread
    assert "Catatan internal — tidak terlihat oleh pelapor" in thread
    assert 'class="internal-note"' in thread


def test_the_send_button_reaches_the_reporter(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    staff = web_client(app, db, team.supervisor)
    sent = submit(
        staff,
        staff.get(f"{W}/{code}"),
        "message-form",
        fill={"body": REPLY},
        button="Kirim ke pelapor",
    )
    assert sent.status_code == 303
    assert REPLY in reporter_page(app, team.created.case_key)
    assert len(events(db, "message:sent", code)) == 1
    assert events(db, "note:added", code) == []
    thread = staff.get(f"{W}/{code}").get_data(as_text=True)
    assert REPLY in thread and 'class="internal-note"' not in thread


def test_english_page_labels_the_note(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    staff = web_client(app, db, team.supervisor)
    staff.get("/bahasa/en")
    submit(
        staff,
        staff.get(f"{W}/{code}"),
        "note-form",
        fill={"body": NOTE},
        button="Save internal note",
    )
    assert "Internal note — not visible to the reporter" in staff.get(f"{W}/{code}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("kind", [None, "", "y", "on", "1", "true", "Message", "note "])
def test_a_form_that_does_not_say_which_is_refused(
    app: Flask, db: Session, team: Team, kind: str | None
) -> None:
    code = team.created.case.code
    staff = web_client(app, db, team.supervisor)
    submission = build(
        staff.get(f"{W}/{code}"),
        "note-form",
        fill={"body": NOTE},
        button="Simpan catatan internal",
    )
    # What a forged or stale form would send instead of the page's button value.
    submission.pairs = [(k, v) for k, v in submission.pairs if not k.startswith("kind")]
    if kind is not None:
        submission.pairs.append((f"kind.{kind}", "Simpan"))
    before = message_count(db)
    refused = send(staff, submission, follow_redirects=True)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Pilih “Kirim ke pelapor” atau “Simpan catatan internal”" in text
    assert "Traceback" not in text
    assert message_count(db) == before
    assert events(db, "message:sent", code) == events(db, "note:added", code) == []
    assert NOTE not in reporter_page(app, team.created.case_key)


@pytest.mark.parametrize("internal", ["missing", None, "true", "false", 1, 0, "y", [], {}])
def test_the_api_refuses_a_flag_that_is_not_a_boolean(
    app: Flask, db: Session, team: Team, internal: object
) -> None:
    code = team.created.case.code
    body: dict[str, object] = {"body": NOTE}
    if internal != "missing":
        body["internal"] = internal
    before = message_count(db)
    answer = app.test_client().post(
        f"{A}/{code}/messages", headers=bearer(db, team.supervisor), json=body
    )
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "invalid" and '"internal" harus true' in error["message"]
    assert message_count(db) == before


def test_the_api_keeps_notes_and_messages_apart(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    client = app.test_client()
    for body, internal in ((NOTE, True), (REPLY, False)):
        answer = client.post(
            f"{A}/{code}/messages",
            headers=bearer(db, team.supervisor),
            json={"body": body, "internal": internal},
        )
        assert answer.status_code == 201 and answer.get_json()["internal"] is internal
    page = reporter_page(app, team.created.case_key)
    assert REPLY in page and NOTE not in page


def test_every_thread_entry_says_which_way_it_went(app: Flask, db: Session, team: Team) -> None:
    code, created = team.created.case.code, team.created
    add_message(db, created.case, created.dek, "Ini bukti tambahan.", author_kind="reporter")
    db.commit()
    staff = web_client(app, db, team.supervisor)
    submit(staff, staff.get(f"{W}/{code}"), "message-form", fill={"body": REPLY})
    submit(staff, staff.get(f"{W}/{code}"), "note-form", fill={"body": NOTE})
    page = BeautifulSoup(staff.get(f"{W}/{code}").get_data(as_text=True), "html.parser")
    entries = {}
    for entry in page.find_all("li"):
        text, label = entry.find(class_="casework-text"), entry.find("strong")
        if text is not None and label is not None:
            entries[text.get_text()] = label.get_text()
    assert entries == {
        "Ini bukti tambahan.": "Dari pelapor",
        REPLY: "Pesan kepada pelapor",
        NOTE: "Catatan internal — tidak terlihat oleh pelapor",
    }
