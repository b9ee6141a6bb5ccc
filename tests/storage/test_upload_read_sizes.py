"""The multipart parser reads the body in large pieces, and a file far over Flask's form
memory limit (500 kB) still goes through whole: that limit is for text fields."""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask

from sipadu.crypto.stream import decrypt_to_bytes
from sipadu.uploads.multipart import MULTIPART_READ_SIZE, accepts_uploads, encrypted_uploads
from sipadu.web.auth import public
from tests.conftest import build_app, make_settings
from tests.support.instance import Database

KEPT: list[tuple[str, bytes]] = []


class _RecordingInput:
    """A wsgi.input that remembers the size of every read."""

    def __init__(self, body: bytes) -> None:
        self._body = io.BytesIO(body)
        self.sizes: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        return self._body.read(size)


def _app(tmp_path: Path, database: Database) -> Flask:
    app = build_app(make_settings(tmp_path, database, max_file_bytes=4 * 1024 * 1024))
    app.config["WTF_CSRF_ENABLED"] = False
    bp = Blueprint("readprobe", __name__)

    @bp.post("/probe/read-sizes")
    @public
    @accepts_uploads
    def upload() -> tuple[str, int] | str:
        uploads = encrypted_uploads()
        refused = [str(item.refusal) for item in uploads if item.refusal]
        if refused:
            return "refused:" + ",".join(refused), 422
        KEPT.extend((item.commit(), item.file_key) for item in uploads)
        return "ok"

    app.register_blueprint(bp)
    return app


def test_large_multipart_file_is_read_in_large_pieces(
    tmp_path: Path, sqlite_database: Database
) -> None:
    KEPT.clear()
    app = _app(tmp_path, sqlite_database)
    content = secrets.token_bytes(3 * 1024 * 1024)
    boundary = "grens"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="besar.bin"\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    recording = _RecordingInput(body)
    # The test client would build its own multipart body: the environ is set by hand.
    environ: dict[str, Any] = {
        "wsgi.input": recording,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
    }
    response = app.test_client().post("/probe/read-sizes", environ_overrides=environ)
    assert response.status_code == 200, response.text
    assert max(recording.sizes) == MULTIPART_READ_SIZE
    assert len(recording.sizes) <= len(body) // MULTIPART_READ_SIZE + 3
    blob_id, key = KEPT[0]
    with app.extensions["sipadu.blobs"].open(blob_id) as blob:
        assert decrypt_to_bytes(blob, key) == content
