"""Staff never see a sequential row id of a reporter's case, message or attachment.

Row ids count up across all cases: a reporter's message id sitting between two staff message
ids, whose audit events carry a time to the second, would place the reporter's action within
minutes (docs/audit.md). Pages, URLs, API answers, audit details and the CSV export use the
rows' random record ids instead.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sipadu.cases.content import add_message
from sipadu.cases.models import Attachment, CaseMessage
from tests.casework.conftest import Team, add_attachment, bearer, detail_of, events, web_client
from tests.support.factories import make_case

W, A = "/petugas/kasus", "/api/v1/staff/cases"
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_message_ids_in_api_and_audit_are_random_not_sequential(
    app: Flask, db: Session, team: Team
) -> None:
    code, other = team.created.case.code, make_case(app, db)
    headers = bearer(db, team.supervisor)
    client = app.test_client()
    first = client.post(
        f"{A}/{code}/messages", headers=headers, json={"body": "Pesan pertama.", "internal": False}
    )
    add_message(db, other.case, other.dek, "Pesan pelapor kasus lain.", author_kind="reporter")
    add_message(db, team.created.case, team.created.dek, "Balasan pelapor.", author_kind="reporter")
    db.commit()
    second = client.post(
        f"{A}/{code}/messages", headers=headers, json={"body": "Catatan.", "internal": True}
    )
    assert first.status_code == second.status_code == 201
    rows = {
        row.id: row.record_id.hex()
        for row in db.scalars(select(CaseMessage))
        if row.record_id is not None
    }
    answered = [first.get_json()["message_id"], second.get_json()["message_id"]]
    assert all(HEX32.match(value) for value in answered)
    shown = [m["id"] for m in client.get(f"{A}/{code}", headers=headers).get_json()["messages"]]
    assert len(shown) == 3 and all(isinstance(v, str) and HEX32.match(v) for v in shown)
    assert set(shown) <= set(rows.values()) and set(answered) <= set(shown)
    audited = [
        detail_of(e)["message"]
        for e in events(db, "message:sent", code) + events(db, "note:added", code)
    ]
    assert audited == answered
    csv = web_client(app, db, team.auditor).get(f"/auditor/export.csv?case={code}")
    assert csv.status_code == 200
    text = csv.get_data(as_text=True)
    assert answered[0] in text and answered[1] in text
    assert not re.search(r'message""?: ?\d', text)


def test_message_from_before_the_upgrade_has_no_id_rather_than_its_row_id(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    add_message(db, team.created.case, team.created.dek, "Pesan lama.", author_kind="reporter")
    db.commit()
    db.execute(update(CaseMessage).values(record_id=None))
    db.commit()
    answer = app.test_client().get(f"{A}/{code}", headers=bearer(db, team.supervisor))
    assert [m["id"] for m in answer.get_json()["messages"]] == [None]


def test_attachment_urls_answers_and_audit_use_the_record_id(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    make_case(app, db)  # ids of other cases' rows interleave
    public = add_attachment(app, db, team.created, b"isi bukti")
    row = db.scalar(select(Attachment).where(Attachment.case_id == team.created.case.id))
    assert row is not None and row.record_id is not None and public == row.record_id.hex()
    client = web_client(app, db, team.supervisor)
    page = client.get(f"{W}/{code}").get_data(as_text=True)
    links = re.findall(rf'href="{W}/{code}/lampiran/([^"]+)"', page)
    assert links == [public]
    listed = app.test_client().get(f"{A}/{code}", headers=bearer(db, team.supervisor))
    assert [a["id"] for a in listed.get_json()["attachments"]] == [public]
    assert client.get(f"{W}/{code}/lampiran/{public}").get_data() == b"isi bukti"
    api = app.test_client().get(
        f"{A}/{code}/attachments/{public}", headers=bearer(db, team.supervisor)
    )
    assert api.status_code == 200 and api.get_data() == b"isi bukti"
    # The sequential row id names nothing any more.
    assert client.get(f"{W}/{code}/lampiran/{row.id}").status_code == 404
    assert (
        app.test_client()
        .get(f"{A}/{code}/attachments/{row.id}", headers=bearer(db, team.supervisor))
        .status_code
        == 404
    )
    audited = [detail_of(e) for e in events(db, "attachment:downloaded", code)]
    assert audited == [{"attachment": public}] * 2


def test_attachment_from_before_the_upgrade_is_named_by_a_digest_not_its_row_id(
    app: Flask, db: Session, team: Team
) -> None:
    from sipadu.cases.attachments import AttachmentNotFoundError, find_attachment
    from sipadu.cases.record_ids import attachment_public_id

    add_attachment(app, db, team.created, b"lama")
    row = db.scalar(select(Attachment).where(Attachment.case_id == team.created.case.id))
    assert row is not None
    db.execute(update(Attachment).values(record_id=None))
    db.commit()
    db.refresh(row)
    legacy = attachment_public_id(None, row.blob_id)
    assert HEX32.match(legacy) and legacy != row.blob_id and str(row.id) not in (legacy,)
    assert find_attachment(db, team.created.case, legacy).id == row.id
    for wrong in (str(row.id), row.blob_id, "zz" * 16):
        try:
            find_attachment(db, team.created.case, wrong)
        except AttachmentNotFoundError:
            continue
        raise AssertionError(f"{wrong} named an attachment")
