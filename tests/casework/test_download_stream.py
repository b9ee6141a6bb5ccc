"""Large downloads: read ahead on a helper thread, sent in large pieces, stopped at the first
forged record, and no helper left behind whether the download ends, fails or is abandoned."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sipadu.cases.attachments import DOWNLOAD_PIECE
from sipadu.cases.models import Attachment
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.stream import HEADER_SIZE, RECORD_SIZE
from sipadu.storage.base import BlobStoreUnavailableError
from sipadu.storage.readahead import PREFETCH_AHEAD
from tests.casework.conftest import Team, add_attachment, bearer, events, web_client

A = "/api/v1/staff/cases"
HELPERS = ("sipadu-read-ahead", "sipadu-fadvise")


def _helpers() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name in HELPERS]


def _body_pieces(response: TestResponse) -> Iterator[bytes]:
    """The body as the server streams it, piece by piece (a download yields bytes only)."""
    for piece in response.response:
        assert isinstance(piece, bytes)
        yield piece


def _large_file(size: int) -> bytes:
    block = os.urandom(64 * 1024 + 7)  # not aligned to records: every position differs
    return (block * (size // len(block) + 1))[:size]


def _blob_path(app: Flask, db: Session, attachment_id: str) -> Path:
    blob_id = db.scalar(
        select(Attachment.blob_id).where(Attachment.record_id == bytes.fromhex(attachment_id))
    )
    return Path(app.extensions["sipadu.blobs"].root) / str(blob_id)


def test_large_download_is_exact_in_large_pieces(app: Flask, db: Session, team: Team) -> None:
    data = _large_file(PREFETCH_AHEAD + 3 * DOWNLOAD_PIECE + 12345)  # prefetched, too
    att = add_attachment(app, db, team.created, data)
    response = app.test_client().get(
        f"{A}/{team.created.case.code}/attachments/{att}", headers=bearer(db, team.supervisor)
    )
    assert response.status_code == 200 and response.content_length == len(data)
    pieces = list(_body_pieces(response))
    response.close()
    assert b"".join(pieces) == data
    assert all(DOWNLOAD_PIECE <= len(p) < DOWNLOAD_PIECE + RECORD_SIZE for p in pieces[:-1])
    assert _helpers() == []


def test_forged_record_cuts_the_download_before_its_bytes(
    app: Flask, db: Session, team: Team
) -> None:
    data = _large_file(4 * DOWNLOAD_PIECE)
    att = add_attachment(app, db, team.created, data)
    # Flip one byte in the 40th record: 2 whole pieces (32 records) decrypt before it.
    blob = _blob_path(app, db, att)
    with blob.open("r+b") as handle:
        handle.seek(HEADER_SIZE + 39 * RECORD_SIZE + 100)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 1]))
    response = app.test_client().get(
        f"{A}/{team.created.case.code}/attachments/{att}", headers=bearer(db, team.supervisor)
    )
    received: list[bytes] = []
    with pytest.raises(DecryptionError):
        for piece in _body_pieces(response):
            received.append(piece)
    response.close()
    sent = b"".join(received)
    assert len(sent) < len(data) and data.startswith(sent)
    assert len(sent) <= 39 * 64 * 1024  # nothing of the forged record or after it
    assert _helpers() == []


def test_abandoned_download_stops_its_helpers(app: Flask, db: Session, team: Team) -> None:
    data = _large_file(PREFETCH_AHEAD + 8 * DOWNLOAD_PIECE)
    att = add_attachment(app, db, team.created, data)
    response = app.test_client().get(
        f"{A}/{team.created.case.code}/attachments/{att}", headers=bearer(db, team.supervisor)
    )
    first = next(_body_pieces(response))  # the client reads one piece and goes away
    assert data.startswith(first)
    assert "sipadu-read-ahead" in _helpers()
    response.close()
    assert _helpers() == []


def test_unreachable_store_is_a_503_before_any_byte(
    app: Flask, db: Session, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the object store down, a staff download is the bilingual "storage unavailable"
    page (503, Retry-After), not a stream broken after a 200, and no download is audited."""
    att = add_attachment(app, db, team.created, b"isi berkas")
    store = app.extensions["sipadu.blobs"]

    def unreachable(blob_id: str) -> None:
        raise BlobStoreUnavailableError("S3 download failed (InternalError)")

    monkeypatch.setattr(store, "open", unreachable)
    client = web_client(app, db, team.supervisor)
    response = client.get(f"/petugas/kasus/{team.created.case.code}/lampiran/{att}")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "InternalError" not in response.get_data(as_text=True)
    assert events(db, "attachment:downloaded", team.created.case.code) == []
