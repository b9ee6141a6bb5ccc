"""Files from the Inspektorat to the reporter: attached by staff who hold the case through
the case page's form, cleaned and sealed like every attachment, downloadable by the
reporter and by nobody else's key; refusals store nothing."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sipadu.audit.models import AuditEvent
from sipadu.cases.kinds import AuthorKind
from sipadu.cases.models import Attachment
from tests.casework.conftest import Team, add_attachment, web_client
from tests.media.samples import MARKERS, jpeg_with_metadata
from tests.support.audit import seal_all
from tests.support.factories import make_case
from tests.support.forms import submit

NAME = "bukti_tindak_lanjut.jpg"
LINK = re.compile(r'href="(/kasus/saya/lampiran/[0-9a-f]+)"')


def _send(
    client: FlaskClient,
    code: str,
    files: tuple[bytes, str] | list[tuple[bytes, str]],
    **kwargs: Any,
) -> TestResponse:
    """Send files through the case page's form (``kwargs`` go to the client)."""
    page = f"/petugas/kasus/{code}"
    return submit(
        client, client.get(page), page + "/lampiran", files={"attachments": files}, **kwargs
    )


def _reporter(app: Flask, case_key: str) -> FlaskClient:
    reporter = app.test_client()
    answer = submit(reporter, reporter.get("/kasus"), "/kasus", fill={"case_key": case_key})
    assert answer.status_code == 303
    return reporter


def _rows(db: Session) -> list[Attachment]:
    db.expire_all()
    return list(db.scalars(select(Attachment)))


def test_a_file_from_the_inspektorat_reaches_the_reporter_cleaned(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    staff = web_client(app, db, team.supervisor)
    sent = _send(staff, code, (jpeg_with_metadata(), NAME))
    assert sent.status_code == 303
    assert "dikirim kepada pelapor" in staff.get(f"/petugas/kasus/{code}").get_data(as_text=True)
    assert [row.uploaded_by for row in _rows(db)] == [AuthorKind.STAFF]
    reporter = _reporter(app, team.created.case_key)
    page = reporter.get("/kasus/saya").get_data(as_text=True)
    assert NAME in page and "dari Inspektorat" in page
    link = LINK.search(page)
    assert link is not None
    download = reporter.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    data = download.get_data()
    assert data.startswith(b"\xff\xd8") and not any(marker in data for marker in MARKERS)
    seal_all(app, db)
    tags = list(db.scalars(select(AuditEvent.tag)))
    assert "attachment:sent_to_reporter" in tags and "attachment:downloaded" in tags


def test_the_reporter_downloads_only_files_sent_to_them(
    app: Flask, db: Session, team: Team
) -> None:
    own = add_attachment(app, db, team.created, b"%PDF-1.4 bukti pelapor")
    other_case = make_case(app, db)
    db.commit()
    staff = web_client(app, db, team.supervisor)
    _send(staff, other_case.case.code, (b"surat untuk pelapor lain", "surat.txt"))
    elsewhere = next(row for row in _rows(db) if row.case_id == other_case.case.id)
    assert elsewhere.record_id is not None
    reporter = _reporter(app, team.created.case_key)
    for attachment_id in (own, elsewhere.record_id.hex(), "00" * 16, "not-an-id"):
        assert reporter.get(f"/kasus/saya/lampiran/{attachment_id}").status_code == 404
    assert app.test_client().get(f"/kasus/saya/lampiran/{own}").status_code == 303  # signed out


def test_refused_files_and_empty_forms_store_nothing(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    staff = web_client(app, db, team.supervisor)
    # A refusal sends the browser back to the case page, which says why.
    program = _send(staff, code, (b"MZ\x90\x00" + bytes(64), "surat.pdf"), follow_redirects=True)
    text = program.get_data(as_text=True)
    assert program.status_code == 422 and "surat.pdf" in text and ".apk" in text
    empty = _send(staff, code, [], follow_redirects=True)
    assert empty.status_code == 422
    assert "Pilih setidaknya satu berkas" in empty.get_data(as_text=True)
    assert _rows(db) == []
