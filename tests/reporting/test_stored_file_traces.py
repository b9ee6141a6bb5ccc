"""What a stored file says about itself besides its content: its blob's times on disk give
only the day of the upload, and the type staff are shown is the one SIPADU determined,
never the one the uploader claimed."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from sipadu.cases.models import Case
from sipadu.db import db_session
from sipadu.sessions.service import start_session
from tests.media.samples import pdf_with_active_content, png_with_metadata
from tests.reporting.conftest import BASE_REPORT, KEY_RE, Ready
from tests.reporting.test_pdf_upload_pruned import BOMB_BYTES
from tests.support.forms import submit


def _file_report(ready: Ready, files: list[tuple[bytes, str]]) -> None:
    reporter = ready.app.test_client()
    filed = submit(
        reporter,
        reporter.get("/laporan"),
        "/laporan",
        fill=BASE_REPORT,
        files={"attachments": files},
    )
    assert filed.status_code == 201 and KEY_RE.search(filed.get_data(as_text=True))


def _blob_dir(app: Flask) -> str:
    return str(app.extensions["sipadu.settings"].blob_dir)


def _staff_case(ready: Ready) -> dict[str, object]:
    with ready.app.app_context():
        db = db_session()
        code = db.scalars(select(Case)).one().code
        token = start_session(
            db,
            kind="staff",
            payload=ready.supervisor.private_key,
            staff_id=ready.supervisor.account.id,
            channel="api",
        )
        db.commit()
    response = ready.app.test_client().get(
        f"/api/v1/staff/cases/{code}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    body: dict[str, object] = response.get_json()
    return body


def test_an_uploaded_blob_carries_only_the_day_of_its_upload(ready: Ready) -> None:
    before = datetime.now(UTC)
    _file_report(ready, [(b"Notulen rapat anggaran.\n" * 50, "notulen.txt")])
    after = datetime.now(UTC)
    # The day of the upload: today's, or yesterday's if the test ran across midnight.
    days = {moment.replace(hour=0, minute=0, second=0, microsecond=0) for moment in (before, after)}
    midnights = {int(day.timestamp()) * 10**9 for day in days}
    root = _blob_dir(ready.app)
    (name,) = os.listdir(root)
    stored = os.stat(os.path.join(root, name))
    assert stored.st_mtime_ns in midnights
    assert stored.st_atime_ns == stored.st_mtime_ns
    assert os.stat(root).st_mtime_ns in midnights


def test_staff_see_the_type_sipadu_determined_not_the_claimed_one(ready: Ready) -> None:
    _file_report(
        ready,
        [
            (b"<script>alert(document.cookie)</script>", "evil.png"),
            (png_with_metadata(), "foto.bin"),
            (pdf_with_active_content(bomb_bytes=BOMB_BYTES), "bukti.pdf"),
        ],
    )
    attachments = _staff_case(ready)["attachments"]
    assert isinstance(attachments, list)
    types = {a["filename"]: a["content_type"] for a in attachments}
    assert types == {
        "evil.png": "application/octet-stream",
        "foto.bin": "image/png",
        "bukti.pdf": "application/pdf",
    }
