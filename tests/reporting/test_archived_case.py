"""An archived case is read only for the reporter: the page offers no form to add to it, and
a form rendered before the archiving (or forged), or the reporter API, adds nothing."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from sipadu.cases.models import Attachment, Case, CaseMessage
from sipadu.cases.statuses import Status
from sipadu.days import wib_today
from sipadu.db import db_session
from tests.reporting.conftest import Ready, case_key_of, forge_case_form, login, submit
from tests.support import forms

REFUSED = "Kasus ini sudah diarsipkan"


def _archive(ready: Ready, code: str) -> None:
    with ready.app.app_context():
        db = db_session()
        case = db.scalars(select(Case).where(Case.code == code)).one()
        case.status, case.closed_on = Status.DIARSIPKAN, wib_today()
        db.commit()


def _counts(ready: Ready, code: str) -> tuple[int, int, bool]:
    with ready.app.app_context():
        db = db_session()
        case = db.scalars(select(Case).where(Case.code == code)).one()
        messages = db.scalar(
            select(func.count(CaseMessage.id)).where(CaseMessage.case_id == case.id)
        )
        files = db.scalar(select(func.count(Attachment.id)).where(Attachment.case_id == case.id))
        return int(messages or 0), int(files or 0), case.identity_sealed is not None


def _reporter(ready: Ready) -> tuple[FlaskClient, str, str]:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    login(client, key)
    return client, key, key[:10]


def test_the_archived_case_page_offers_no_way_to_add(ready: Ready) -> None:
    client, _key, code = _reporter(ready)
    _archive(ready, code)
    html = client.get("/kasus/saya").get_data(as_text=True)
    assert REFUSED in html and 'id="archived-note"' in html
    for action in ("/kasus/saya/pesan", "/kasus/saya/bukti", "/kasus/saya/identitas"):
        assert f'action="{action}"' not in html


def test_forms_rendered_before_archiving_add_nothing(ready: Ready) -> None:
    client, _key, code = _reporter(ready)
    forms.submit(
        client,
        client.get("/kasus/saya"),
        "/kasus/saya/identitas",
        fill={"identity_name": "Saksi Arsip", "identity_contact": "0812-3333-4444"},
    )
    stale = client.get("/kasus/saya")  # every form, as the page showed them before
    before = _counts(ready, code)
    assert before[2]
    _archive(ready, code)
    attempts: tuple[tuple[str, dict[str, Any]], ...] = (
        ("/kasus/saya/pesan", {"fill": {"body": "Masih ada tambahan."}}),
        ("/kasus/saya/bukti", {"files": {"attachments": [(b"bukti", "bukti.txt")]}}),
        (
            "/kasus/saya/identitas",
            {"fill": {"identity_name": "Nama Baru", "identity_contact": "x@example.org"}},
        ),
        ("/kasus/saya/identitas/tarik", {}),
    )
    for path, extra in attempts:
        answer = forms.submit(client, stale, path, **extra)
        assert answer.status_code == 303, path
        page = client.get("/kasus/saya").get_data(as_text=True)
        assert page.count(REFUSED) == 2, path  # the refusal's notice and the page's own
    assert _counts(ready, code) == before
    forged = forge_case_form(client, "/kasus/saya/pesan", {"body": "lagi"})
    assert forged.status_code == 303 and _counts(ready, code) == before


def test_the_reporter_api_refuses_writes_on_an_archived_case(ready: Ready) -> None:
    client, key, code = _reporter(ready)
    _archive(ready, code)
    auth = {"Authorization": f"CaseKey {key}"}
    sent = client.post("/api/v1/case/messages", json={"body": "Tambahan."}, headers=auth)
    assert sent.status_code == 409
    assert sent.get_json()["error"]["message"].startswith(REFUSED)
    files = client.post(
        "/api/v1/case/attachments",
        headers=auth,
        data={"attachments": [(io.BytesIO(b"bukti"), "bukti.txt")]},
        content_type="multipart/form-data",
    )
    assert files.status_code == 409
    assert _counts(ready, code) == (0, 0, False)
    assert client.get("/api/v1/case", headers=auth).status_code == 200  # still readable


def test_an_answered_objection_on_an_archived_case_promises_no_messages(ready: Ready) -> None:
    from sipadu.cases.content import add_timeline_entry

    client, _key, code = _reporter(ready)
    with ready.app.app_context():
        db = db_session()
        case = db.scalars(select(Case).where(Case.code == code)).one()
        add_timeline_entry(db, case, None, kind="objection")
        add_timeline_entry(db, case, None, kind="objection_answer")
        db.commit()
    _archive(ready, code)
    html = client.get("/kasus/saya").get_data(as_text=True)
    assert 'id="objection-state"' in html and "satu kali." in html
    assert "tetap dapat mengirim pesan" not in html
