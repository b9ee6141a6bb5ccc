"""Uploads through the real request class: encrypted while parsed, nothing plain on disk,
limits enforced without leaving partial blobs."""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from sipadu.app_context import current_settings
from sipadu.crypto.stream import decrypt_to_bytes
from sipadu.uploads.multipart import accepts_uploads, encrypted_uploads
from sipadu.web.auth import public
from tests.conftest import build_app, make_settings
from tests.support.instance import Database

# Random per run, so no file outside this test (a shell history, a script) can hold it.
MARKER = f"UNGGAHAN-{secrets.token_hex(12)}".encode()
KEPT: dict[str, tuple[str, bytes]] = {}


def _blueprint() -> Blueprint:
    bp = Blueprint("uploadprobe", __name__)

    @bp.post("/probe/upload")
    @public
    @accepts_uploads
    def upload() -> str | tuple[str, int]:
        uploads = encrypted_uploads()
        refused = [item.refusal for item in uploads if item.refusal]
        if refused:
            return "refused:" + ",".join(refused), 422
        for item in uploads:
            KEPT[item.filename] = (item.commit(), item.file_key)
        return str(len(uploads))

    @bp.post("/probe/no-upload")
    @public
    def no_upload() -> str:
        from flask import request

        return str(len(request.form))

    return bp


@pytest.fixture
def upload_app(tmp_path: Path, sqlite_database: Database) -> Flask:
    KEPT.clear()
    app = build_app(make_settings(tmp_path, sqlite_database, max_file_bytes=300_000, max_files=3))
    app.config["WTF_CSRF_ENABLED"] = False
    app.register_blueprint(_blueprint())
    return app


def _files_on_disk(*roots: Path) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            found.extend(Path(folder) / name for name in names)
    return [path for path in found if path.is_file()]


def _blob_files(app: Flask) -> list[Path]:
    return _files_on_disk(current_settings(app).blob_dir)


def test_upload_is_encrypted_and_leaves_no_plaintext(
    upload_app: Flask, private_temp_folder: Path
) -> None:
    content = (b"x" * 65_530 + MARKER) * 3
    client: FlaskClient = upload_app.test_client()
    response = client.post(
        "/probe/upload",
        data={"attachments": [(io.BytesIO(content), "bukti.txt"), (io.BytesIO(b""), "kosong.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and response.text == "2"
    blob_id, key = KEPT["bukti.txt"]
    blob_path = current_settings(upload_app).blob_dir / blob_id
    assert decrypt_to_bytes(io.BytesIO(blob_path.read_bytes()), key) == content
    settings = current_settings(upload_app)
    for path in _files_on_disk(settings.instance_dir, private_temp_folder):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        assert MARKER not in data, path


def test_too_large_file_is_413_and_stores_nothing(upload_app: Flask) -> None:
    client = upload_app.test_client()
    response = client.post(
        "/probe/upload",
        data={"attachments": [(io.BytesIO(b"y" * 400_000), "besar.bin")]},
        content_type="multipart/form-data",
    )
    assert (response.status_code, response.text) == (422, "refused:too_large")
    assert _blob_files(upload_app) == []


def test_too_many_files_is_413_and_stores_nothing(upload_app: Flask) -> None:
    client = upload_app.test_client()
    files = [(io.BytesIO(b"z" * 10), f"f{n}.txt") for n in range(4)]
    response = client.post(
        "/probe/upload", data={"attachments": files}, content_type="multipart/form-data"
    )
    assert (response.status_code, response.text) == (422, "refused:too_many")
    assert _blob_files(upload_app) == []


def test_whole_request_over_the_limit_is_413(upload_app: Flask) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = 100_000
    response = upload_app.test_client().post(
        "/probe/upload",
        data={"attachments": [(io.BytesIO(b"q" * 150_000), "a.bin")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "Unggahan terlalu besar" in response.text
    assert _blob_files(upload_app) == []


def test_damaged_image_is_refused_and_nothing_stored(upload_app: Flask) -> None:
    broken_jpeg = b"\xff\xd8\xff\xe1\x00\x40Exif\x00\x00" + b"GPS" * 5
    response = upload_app.test_client().post(
        "/probe/upload",
        data={"attachments": [(io.BytesIO(broken_jpeg), "foto.jpg")]},
        content_type="multipart/form-data",
    )
    assert (response.status_code, response.text) == (422, "refused:damaged")
    assert _blob_files(upload_app) == []


def test_endpoints_without_uploads_refuse_files(upload_app: Flask) -> None:
    client = upload_app.test_client()
    response = client.post(
        "/probe/no-upload",
        data={"attachments": [(io.BytesIO(MARKER), "x.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _blob_files(upload_app) == []


@pytest.mark.parametrize(
    "body",
    [
        b'--b\r\nContent-Disposition: form-data; name="attachments"; filename="a"\r\n\r\nabc',
        b"not multipart at all",
        b"--b\r\n\r\n\r\n--b--",
    ],
)
def test_broken_multipart_is_a_clean_4xx(upload_app: Flask, body: bytes) -> None:
    client = upload_app.test_client()
    response = client.post(
        "/probe/upload", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code < 500
    assert all(not p.name.startswith("tmp-") for p in _blob_files(upload_app))
