"""A database writer moves sealed content between rows: every move fails to verify, and the
staff page, the reporter page and both APIs say "could not be verified" (no 500, no body,
no author) instead of showing the text under another row's author."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.content import add_message, add_timeline_entry, list_messages
from sipadu.cases.models import Attachment, Case, CaseMessage, TimelineEntry
from sipadu.crypto import envelope
from tests.casework.conftest import Team, add_attachment, bearer, web_client
from tests.reporting.conftest import login

W, A = "/petugas/kasus", "/api/v1/staff/cases"
# The marker's element (the text itself is in the reader's language, Indonesian by default).
MARKER = '<strong class="unverified" role="status">'
MARKER_TEXT_ID = "Catatan ini tidak dapat diverifikasi."
REPORTER_TEXT, STAFF_TEXT, NOTE_TEXT = "DARI-PELAPOR-51", "DARI-PETUGAS-77", "CATATAN-INTERN-93"


def _conversation(db: Session, team: Team) -> tuple[CaseMessage, CaseMessage, CaseMessage]:
    case, dek = team.created.case, team.created.dek
    staff_id = team.supervisor.account.id
    mine = add_message(db, case, dek, REPORTER_TEXT, author_kind="reporter")
    theirs = add_message(db, case, dek, STAFF_TEXT, author_kind="staff", staff_id=staff_id)
    note = add_message(
        db, case, dek, NOTE_TEXT, author_kind="staff", staff_id=staff_id, internal=True
    )
    db.commit()
    return mine, theirs, note


def _staff_page(app: Flask, db: Session, team: Team) -> str:
    page = web_client(app, db, team.supervisor).get(f"{W}/{team.created.case.code}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _staff_api(app: Flask, db: Session, team: Team) -> dict:  # type: ignore[type-arg]
    response = app.test_client().get(
        f"{A}/{team.created.case.code}", headers=bearer(db, team.supervisor)
    )
    assert response.status_code == 200
    body: dict = response.get_json()  # type: ignore[type-arg]
    return body


def _reporter_page(app: Flask, team: Team) -> str:
    client: FlaskClient = app.test_client()
    assert login(client, team.created.case_key).status_code == 303
    page = client.get("/kasus/saya")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _reporter_api(app: Flask, team: Team) -> dict:  # type: ignore[type-arg]
    response = app.test_client().get(
        "/api/v1/case", headers={"Authorization": f"CaseKey {team.created.case_key}"}
    )
    assert response.status_code == 200
    body: dict = response.get_json()  # type: ignore[type-arg]
    return body


def test_untouched_conversation_shows_bodies_and_authors(
    app: Flask, db: Session, team: Team
) -> None:
    _conversation(db, team)
    html = _staff_page(app, db, team)
    assert REPORTER_TEXT in html and STAFF_TEXT in html and NOTE_TEXT in html
    assert MARKER not in html
    assert all(m["verified"] for m in _staff_api(app, db, team)["messages"])


def test_swapping_reporter_and_staff_ciphertexts_verifies_neither(
    app: Flask, db: Session, team: Team
) -> None:
    mine, theirs, _ = _conversation(db, team)
    mine.body_sealed, theirs.body_sealed = theirs.body_sealed, mine.body_sealed
    db.commit()
    html = _staff_page(app, db, team)
    assert REPORTER_TEXT not in html and STAFF_TEXT not in html
    assert html.count(MARKER) == 2 and html.count(MARKER_TEXT_ID) == 2
    api = [m for m in _staff_api(app, db, team)["messages"] if not m["internal"]]
    assert [(m["verified"], m["body"], m["author_kind"], m["author"]) for m in api] == [
        (False, None, None, None)
    ] * 2
    reporter = _reporter_page(app, team)
    assert REPORTER_TEXT not in reporter and STAFF_TEXT not in reporter
    assert reporter.count(MARKER) == 2
    assert [
        (m["from"], m["body"], m["verified"]) for m in _reporter_api(app, team)["messages"]
    ] == [(None, None, False)] * 2


def test_swapping_whole_rows_but_the_author_still_fails(
    app: Flask, db: Session, team: Team
) -> None:
    """The record id travels with the ciphertext; the author columns stay: still refused."""
    mine, theirs, _ = _conversation(db, team)
    pair = (mine.record_id, mine.body_sealed), (theirs.record_id, theirs.body_sealed)
    mine.record_id, theirs.record_id = b"\0" * 16, b"\1" * 16
    db.flush()
    (mine.record_id, mine.body_sealed), (theirs.record_id, theirs.body_sealed) = pair[1], pair[0]
    db.commit()
    views = list_messages(db, team.created.case, team.created.dek, include_internal=False)
    assert [v.verified for v in views] == [False, False]


def test_note_moved_into_a_message_row_is_not_shown_to_the_reporter(
    app: Flask, db: Session, team: Team
) -> None:
    _, theirs, note = _conversation(db, team)
    # Everything of the note's row but the internal flag: only the record kind differs.
    sealed, record_id = note.body_sealed, note.record_id
    db.delete(note)
    db.flush()
    theirs.body_sealed, theirs.record_id = sealed, record_id
    db.commit()
    reporter = _reporter_page(app, team)
    assert NOTE_TEXT not in reporter and MARKER in reporter
    assert NOTE_TEXT not in str(_reporter_api(app, team))
    assert NOTE_TEXT not in _staff_page(app, db, team)


def test_swapped_timeline_texts_do_not_verify(app: Flask, db: Session, team: Team) -> None:
    case, dek = team.created.case, team.created.dek
    objection = add_timeline_entry(db, case, dek, kind="objection", text="KEBERATAN-PELAPOR")
    answer = add_timeline_entry(db, case, dek, kind="objection_answer", text="JAWABAN-PETUGAS")
    db.commit()
    objection.text_sealed, answer.text_sealed = answer.text_sealed, objection.text_sealed
    db.commit()
    html = _staff_page(app, db, team)
    assert "KEBERATAN-PELAPOR" not in html and "JAWABAN-PETUGAS" not in html
    assert html.count(MARKER) == 2
    timeline = _reporter_api(app, team)["timeline"]
    assert [(t["text"], t["verified"]) for t in timeline if t["kind"] != "status"] == [
        (None, False)
    ] * 2


def test_a_v1_ciphertext_replayed_into_a_v2_row_does_not_open(
    app: Flask, db: Session, team: Team
) -> None:
    """A version 1 envelope of the same case and kind (as rows had before the upgrade) is
    refused in a bound case: its version is decided by the case, not by the record."""
    mine, _, _ = _conversation(db, team)
    case, dek = team.created.case, team.created.dek
    mine.body_sealed = envelope.seal(
        dek,
        b'{"body":"PALSU-V1","sent_at":"2026-01-01"}',
        case_id=case.code,
        kind=envelope.KIND_MESSAGE,
    )
    db.commit()
    html = _staff_page(app, db, team)
    assert "PALSU-V1" not in html and MARKER in html
    assert "PALSU-V1" not in _reporter_page(app, team)


def test_a_flipped_byte_is_marked_and_the_page_still_works(
    app: Flask, db: Session, team: Team
) -> None:
    mine, _, _ = _conversation(db, team)
    sealed = bytearray(mine.body_sealed)
    sealed[-1] ^= 1
    mine.body_sealed = bytes(sealed)
    db.commit()
    html = _staff_page(app, db, team)
    assert REPORTER_TEXT not in html and STAFF_TEXT in html and html.count(MARKER) == 1


def test_a_tampered_report_is_marked_not_a_500(app: Flask, db: Session, team: Team) -> None:
    case = db.get(Case, team.created.case.id)
    assert case is not None
    sealed = bytearray(case.report_sealed)
    sealed[20] ^= 1
    case.report_sealed = bytes(sealed)
    db.commit()
    html = _staff_page(app, db, team)
    assert MARKER in html and "Kepala seksi menerima hadiah" not in html
    api = _staff_api(app, db, team)
    assert api["report"] is None and api["report_verified"] is False


def test_swapped_file_keys_are_marked_and_not_downloadable(
    app: Flask, db: Session, team: Team
) -> None:
    first = add_attachment(app, db, team.created, b"%PDF-1 pertama", "pertama.pdf")
    second = add_attachment(app, db, team.created, b"%PDF-1 kedua", "kedua.pdf")
    rows = {
        row.record_id.hex(): row
        for row in db.scalars(select(Attachment))
        if row.record_id is not None
    }
    rows[first].file_key_sealed, rows[second].file_key_sealed = (
        rows[second].file_key_sealed,
        rows[first].file_key_sealed,
    )
    rows[first].meta_sealed, rows[second].meta_sealed = (
        rows[second].meta_sealed,
        rows[first].meta_sealed,
    )
    db.commit()
    html = _staff_page(app, db, team)
    assert "pertama.pdf" not in html and "kedua.pdf" not in html
    assert html.count(MARKER) == 2
    client = web_client(app, db, team.supervisor)
    download = client.get(f"{W}/{team.created.case.code}/lampiran/{first}")
    assert download.status_code == 404
    assert b"pertama" not in download.data and b"kedua" not in download.data


def _make_legacy(db: Session, team: Team) -> None:
    """Rewrite the case as the service wrote it before envelope v2: v1, no record ids."""
    case, dek = team.created.case, team.created.dek
    code = case.code

    def v1(kind: bytes, sealed: bytes, binding: envelope.Binding) -> bytes:
        plain = envelope.open_sealed(dek, sealed, case_id=code, kind=kind, binding=binding)
        return envelope.seal(dek, plain, case_id=code, kind=kind)

    for row in db.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)):
        author = "reporter" if row.author_kind == "reporter" else f"staff:{row.staff_id}"
        kind = envelope.KIND_NOTE if row.internal else envelope.KIND_MESSAGE
        row.body_sealed = v1(kind, row.body_sealed, envelope.Binding(row.record_id or b"", author))
        row.record_id = None
    for entry in db.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)):
        entry.record_id = None
    case.report_sealed = v1(
        envelope.KIND_REPORT, case.report_sealed, envelope.Binding(b"", "reporter")
    )
    db.commit()


def test_a_legacy_case_opens_and_is_bound_at_its_first_write(
    app: Flask, db: Session, team: Team
) -> None:
    mine, _, _ = _conversation(db, team)
    _make_legacy(db, team)
    old_v1 = mine.body_sealed
    html = _staff_page(app, db, team)
    assert REPORTER_TEXT in html and STAFF_TEXT in html and MARKER not in html
    assert team.created.case.report_sealed[0] == 1
    # The first write re-seals the whole case as version 2.
    add_message(
        db,
        team.created.case,
        team.created.dek,
        "BARU-SETELAH-UPGRADE",
        author_kind="reporter",
        now=datetime.now(UTC),
    )
    db.commit()
    assert team.created.case.report_sealed[0] == 2
    assert all(m.body_sealed[0] == 2 and m.record_id for m in db.scalars(select(CaseMessage)))
    html = _staff_page(app, db, team)
    assert REPORTER_TEXT in html and "BARU-SETELAH-UPGRADE" in html and MARKER not in html
    # Its old version 1 ciphertext, replayed after the upgrade, no longer opens.
    mine.body_sealed = old_v1
    db.commit()
    assert MARKER in _staff_page(app, db, team)
