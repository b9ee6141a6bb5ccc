"""What a reporter sends leaves no plaintext trace; photos lose their GPS position."""

from __future__ import annotations

import io
import logging
import secrets
from pathlib import Path

import pytest
from flask import Flask
from PIL import ExifTags, Image
from sqlalchemy import select

from sipadu.cases.attachments import open_attachment
from sipadu.cases.models import Attachment
from sipadu.cases.record_ids import attachment_public_id
from sipadu.cases.service import case_by_code, unlock_case_for_staff
from sipadu.db import Base, db_session
from tests.media.samples import jpeg_with_metadata
from tests.reporting.conftest import Ready, case_key_of, login, post_case_form, submit

TEXT_FIELDS = (
    "what",
    "who",
    "where",
    "when",
    "how",
    "source_of_knowledge",
    "reported_elsewhere",
    "identity_name",
    "identity_contact",
)


def _dump_database(app: Flask) -> bytes:
    """Every row of every table, as bytes (ciphertext columns included)."""
    out = bytearray()
    with app.app_context():
        db = db_session()
        for table in Base.metadata.sorted_tables:
            for row in db.execute(select(table)).all():
                for value in row:
                    out += value if isinstance(value, bytes) else str(value).encode()
                    out += b"\x00"
    return bytes(out)


def _files_containing(root: Path, marker: bytes) -> list[str]:
    if not root.exists():
        return []
    return [str(p) for p in root.rglob("*") if p.is_file() and marker in p.read_bytes()]


def test_markers_leave_no_trace(
    ready: Ready, caplog: pytest.LogCaptureFixture, private_temp_folder: Path
) -> None:
    temp = private_temp_folder
    caplog.set_level(logging.DEBUG)
    marker = f"MRK{secrets.token_hex(8)}"
    report = {"category": "kkn", "amount": "1.000", **{f: f"{f} {marker}" for f in TEXT_FIELDS}}
    client = ready.app.test_client()
    response = submit(client, report, files=[(f"isi {marker} isi".encode() * 500, f"{marker}.txt")])
    assert response.status_code == 201
    key = case_key_of(response)
    login(client, key)
    post_case_form(client, "/kasus/saya/pesan", {"body": f"pesan {marker}"})
    api = ready.app.test_client().post(
        "/api/v1/reports",
        json={"category": "kkn", "what": f"api {marker}", "identity": {"name": marker}},
    )
    assert api.status_code == 201

    encoded = marker.encode()
    assert encoded not in _dump_database(ready.app)
    assert key.encode() not in _dump_database(ready.app)
    settings = ready.app.extensions["sipadu.settings"]
    assert _files_containing(settings.instance_dir, encoded) == []
    assert _files_containing(temp, encoded) == []
    assert marker not in caplog.text and key not in caplog.text
    # The Flask session cookie (the reload marker) holds neither content nor the key.
    cookie = client.get_cookie("sipadu")
    assert cookie is not None
    session = ready.app.session_interface.get_signing_serializer(  # type: ignore[attr-defined]
        ready.app
    ).loads(cookie.value)
    assert marker not in str(session) and key not in str(session)


def test_gps_is_gone_after_a_staff_side_decrypt(ready: Ready) -> None:
    original = jpeg_with_metadata()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    client = ready.app.test_client()
    response = submit(client, files=[(original, "foto.jpg")])
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "foto.jpg" in html
    code = case_key_of(response)[:10]
    with ready.app.app_context():
        db = db_session()
        case = case_by_code(db, code)
        assert case is not None
        dek = unlock_case_for_staff(
            db, case, ready.supervisor.account.id, ready.supervisor.private_key
        )
        row = db.scalars(select(Attachment)).one()
        public_id = attachment_public_id(row.record_id, row.blob_id)
        view, chunks = open_attachment(
            db, case, dek, public_id, ready.app.extensions["sipadu.blobs"]
        )
        data = b"".join(chunks)
    assert view.filename == "foto.jpg"
    assert view.cleaning.get("status") not in (None, "not_supported")
    image = Image.open(io.BytesIO(data))
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"MARKER" not in data
