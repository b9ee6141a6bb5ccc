"""A PDF sent through the report form is stored without its embedded files, scripts and
private catalog data, the reporter is told so in their language, and the stored copy read
back by staff still shows its text."""

from __future__ import annotations

import io

import pikepdf
from sqlalchemy import select

from sipadu.cases.models import Attachment, Case
from sipadu.cases.record_ids import attachment_public_id
from sipadu.db import db_session
from sipadu.sessions.service import start_session
from tests.media import samples
from tests.reporting.conftest import BASE_REPORT, KEY_RE, Ready
from tests.support.forms import submit

# The form's file limit in these tests is 64 KiB: a bomb of 32 MiB decoded (~32 KiB raw).
BOMB_BYTES = 32 * 1024 * 1024


def staff_download(ready: Ready) -> bytes:
    """The one stored attachment, decrypted through the staff API."""
    with ready.app.app_context():
        db = db_session()
        code = db.scalars(select(Case)).one().code
        stored = db.scalars(select(Attachment)).one()
        attachment_id = attachment_public_id(stored.record_id, stored.blob_id)
        token = start_session(
            db,
            kind="staff",
            payload=ready.supervisor.private_key,
            staff_id=ready.supervisor.account.id,
            channel="api",
        )
        db.commit()
    response = ready.app.test_client().get(
        f"/api/v1/staff/cases/{code}/attachments/{attachment_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    return response.get_data()


def test_pdf_through_the_report_form_loses_files_scripts_and_extras(ready: Ready) -> None:
    document = samples.pdf_with_active_content(bomb_bytes=BOMB_BYTES)
    assert len(document) < 64 * 1024
    reporter = ready.app.test_client()
    filed = submit(
        reporter,
        reporter.get("/laporan"),
        "/laporan",
        fill=BASE_REPORT,
        files={"attachments": (document, "bukti.pdf")},
    )
    page = filed.get_data(as_text=True)
    assert filed.status_code == 201 and KEY_RE.search(page)
    assert "berkas yang dilampirkan di dalam dokumen" in page
    assert "skrip dan aksi yang menjalankan atau membuka sesuatu" in page
    assert "data lain yang tersimpan di dalam dokumen" in page
    stored = staff_download(ready)
    assert len(stored) < 16 * 1024  # the bomb is not carried over
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        root = pdf.Root
        for key in ("/Names", "/AF", "/OpenAction", "/Custom", "/Bomb", "/Outlines"):
            assert key not in root, key
        page_obj = pdf.pages[0].obj
        assert "/AA" not in page_obj and "/Metadata" not in page_obj
        assert all(a.Subtype != pikepdf.Name.FileAttachment for a in page_obj.Annots)
        assert b"(" + samples.VISIBLE_TEXT + b") Tj" in page_obj.Contents.read_bytes()
        assert len(pdf.pages) == 1
    assert b"MARKER" not in stored
