"""A file sent as the whole request body, read from gunicorn's socket directly.

Through a real ``sipadu serve``: a body that arrived with the headers, one that trickles in,
and one that stops short of its ``Content-Length``. What is stored must be exactly what was
sent, a short body must be refused with nothing kept, and the server must go on answering.
Without gunicorn (the test client), the plain input stream is read the same way.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sipadu.app import create_app
from sipadu.app_context import current_settings
from sipadu.cases.attachments import list_attachments, open_attachment
from sipadu.cases.models import Attachment
from sipadu.db import db_session
from sipadu.reporting.reporter_access import open_case_with_key
from sipadu.settings import settings_from_env
from sipadu.uploads.body_source import body_pieces
from tests.support.cli import init_instance
from tests.support.instance import Database, free_port, instance_env
from tests.support.live import LiveServer, serving
from tests.support.staff import enrol_staff

PATH = "/api/v1/case/attachments"


def test_without_gunicorn_the_stream_is_read_in_pieces() -> None:
    data = bytes(range(256)) * 40
    pieces = list(body_pieces({"wsgi.input": io.BytesIO(data)}, len(data), 1000))
    assert b"".join(pieces) == data and max(map(len, pieces)) <= 1000
    short = list(body_pieces({"wsgi.input": io.BytesIO(data[:500])}, len(data), 1000))
    assert b"".join(short) == data[:500]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("body")
    database = Database("sqlite", f"sqlite:///{root / 'sipadu.sqlite3'}")
    env = instance_env(
        root, database, port=free_port(), extra={"SIPADU_RATE_LIMITS_ENABLED": "false"}
    )
    init_instance(env)
    enrol_staff(env, ["supervisor"])
    with serving(env, root, workers=1) as live:
        yield live


def _raw_request(
    live: LiveServer, head: bytes, body_parts: list[bytes], pause: float = 0.0
) -> tuple[int, dict[str, object]]:
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as conn:
        conn.sendall(head + body_parts[0])
        for part in body_parts[1:]:
            time.sleep(pause)
            conn.sendall(part)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, json.loads(answer.split(b"\r\n\r\n", 1)[1] or b"{}")


def _file_report(live: LiveServer) -> str:
    body = json.dumps({"category": "kkn", "what": "Laporan dengan berkas."}).encode()
    status, answer = _raw_request(
        live, _head(live, "/api/v1/reports", len(body), "application/json", ""), [body]
    )
    assert status == 201
    return str(answer["case_key"])


def _head(live: LiveServer, path: str, length: int, kind: str, key: str) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {live.url.removeprefix('http://')}",
        f"Content-Type: {kind}",
        f"Content-Length: {length}",
        "Connection: close",
    ]
    if key:
        lines += [
            f"Authorization: CaseKey {key}",
            'Content-Disposition: attachment; filename="bukti.bin"',
        ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _stored_files(live: LiveServer, key: str) -> list[bytes]:
    app = create_app(settings_from_env(live.env))
    try:
        with app.app_context():
            db = db_session()
            settings = current_settings()
            assert settings.keyring is not None
            opened = open_case_with_key(
                db,
                key,
                params=settings.argon2,
                audit_key=settings.keyring.audit_hmac_key,
                client=None,
            )
            store = app.extensions["sipadu.blobs"]
            return [
                b"".join(open_attachment(db, opened.case, opened.dek, view.id, store)[1])
                for view in list_attachments(db, opened.case, opened.dek)
            ]
    finally:
        app.extensions["sipadu.engine"].dispose()


def _rows(live: LiveServer) -> int:
    app = create_app(settings_from_env(live.env))
    with app.app_context():
        count = db_session().scalar(select(func.count()).select_from(Attachment)) or 0
    app.extensions["sipadu.engine"].dispose()
    return count


@pytest.mark.slow
def test_body_read_from_the_socket_is_stored_exactly(server: LiveServer) -> None:
    key = _file_report(server)
    small = b"bukti kecil " * 100  # arrives in the same packet as the headers
    large = hashlib.sha256(b"x").digest() * 40_000  # 1.25 MiB, sent in pauses
    head = _head(server, PATH, len(small), "application/octet-stream", key)
    assert _raw_request(server, head, [small])[0] == 201
    parts = [large[i : i + 100_000] for i in range(0, len(large), 100_000)]
    head = _head(server, PATH, len(large), "application/octet-stream", key)
    assert _raw_request(server, head, [b"", *parts], pause=0.01)[0] == 201
    assert _stored_files(server, key) == [small, large]


@pytest.mark.slow
def test_body_shorter_than_its_length_is_refused_and_nothing_kept(
    server: LiveServer, tmp_path: Path
) -> None:
    key = _file_report(server)
    before = _rows(server)
    head = _head(server, PATH, 500_000, "application/octet-stream", key)
    status, answer = _raw_request(server, head, [b"a" * 200_000])
    assert status == 422, answer
    assert _rows(server) == before
    assert _stored_files(server, key) == []
    assert _file_report(server)  # the worker still answers
