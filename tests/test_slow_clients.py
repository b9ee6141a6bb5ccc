"""Clients that trickle or stall their uploads, against a real ``sipadu serve``.

With sync workers, three clients sending one byte every two seconds stalled a two-worker
server completely, ``/healthz`` included. Here four such clients hold their connections
open while the probe and the home page must still answer promptly; and an upload that stops
sending is cut after ``SIPADU_BODY_READ_TIMEOUT`` with a 408 and leaves nothing stored.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Blueprint, Flask

from sipadu.serve import DEFAULT_THREADS, default_threads
from sipadu.web.auth import public
from tests.conftest import build_app, make_settings, postgres_schema
from tests.support.cli import init_instance
from tests.support.instance import Database, free_port, instance_env
from tests.support.live import LiveServer, http_get, serving
from tests.support.staff import enrol_staff

pytestmark = pytest.mark.slow
BODY_TIMEOUT = 5
TOTAL_TIMEOUT = 12  # longer than the trickling test below runs
TRICKLERS = 4
PROMPT_SECONDS = 3.0
ATTACH = "/api/v1/case/attachments"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[LiveServer]:
    """A production-like server: PostgreSQL, hence threaded workers (SQLite keeps sync ones)."""
    root = tmp_path_factory.mktemp("slow")
    schema = postgres_schema(postgres_url)
    database = next(schema)
    extra = {
        "SIPADU_RATE_LIMITS_ENABLED": "false",
        "SIPADU_BODY_READ_TIMEOUT": str(BODY_TIMEOUT),
        "SIPADU_BODY_TOTAL_TIMEOUT": str(TOTAL_TIMEOUT),
        # Every trickler opens the case with its key first; none may be refused as busy.
        "SIPADU_CASE_KEY_CHECK_SLOTS": str(TRICKLERS),
    }
    env = instance_env(root, database, port=free_port(), extra=extra)
    init_instance(env)
    enrol_staff(env, ["supervisor"])  # reports are accepted once someone can read them
    with serving(env, root, workers=2) as live:
        yield live
    next(schema, None)  # drops the schema


def _connect(live: LiveServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", live.port), timeout=30)


def _head(live: LiveServer, path: str, length: int, kind: str, key: str = "") -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{live.port}",
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


def _read_answer(conn: socket.socket) -> bytes:
    answer = b""
    while chunk := conn.recv(65536):
        answer += chunk
    return answer


def _case_key(live: LiveServer) -> str:
    body = json.dumps({"category": "kkn", "what": "Laporan untuk uji unggahan lambat."}).encode()
    with _connect(live) as conn:
        conn.sendall(_head(live, "/api/v1/reports", len(body), "application/json") + body)
        answer = _read_answer(conn)
    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    return str(json.loads(answer.split(b"\r\n\r\n", 1)[1])["case_key"])


def _trickle(live: LiveServer, key: str, stop: threading.Event, cut: list[str]) -> None:
    """One byte every two seconds of a large upload, until ``stop``; notes in ``cut`` a
    connection the server answered or closed meanwhile (it must not: bytes keep coming)."""
    with _connect(live) as conn:
        conn.sendall(_head(live, ATTACH, 1_000_000, "application/octet-stream", key))
        while not stop.wait(2.0):
            try:
                conn.sendall(b"x")
                if not select.select([conn], [], [], 0)[0]:
                    continue  # nothing answered: still being read, as it should be
                early = conn.recv(100)
            except OSError as error:
                early = repr(error).encode()
            cut.append(early.decode(errors="replace"))
            return


def _timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    status = http_get(url, timeout=20)[0]
    return status, time.monotonic() - started


def _stored_files(live: LiveServer) -> list[Path]:
    places = (live.blobs, live.root / "instance" / "tmp", live.root / "tmp")
    return sorted(p for place in places if place.exists() for p in place.rglob("*") if p.is_file())


def test_trickling_uploads_leave_the_probe_and_pages_answering(server: LiveServer) -> None:
    key = _case_key(server)
    stop, cut = threading.Event(), list[str]()
    clients = [
        threading.Thread(target=_trickle, args=(server, key, stop, cut), daemon=True)
        for _ in range(TRICKLERS)
    ]
    for client in clients:
        client.start()
        time.sleep(0.3)
    try:
        time.sleep(1.0)  # every trickler's request is being read by now
        for _ in range(3):
            for path in ("/healthz", "/"):
                status, took = _timed_get(server.url + path)
                assert status == 200 and took < PROMPT_SECONDS, (path, status, took)
            time.sleep(1.5)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)
    assert cut == []


def test_a_stalled_upload_is_cut_and_nothing_is_kept(server: LiveServer) -> None:
    key = _case_key(server)
    before = _stored_files(server)
    with _connect(server) as conn:
        conn.sendall(_head(server, ATTACH, 500_000, "application/octet-stream", key))
        conn.sendall(b"a" * 200_000)  # then nothing more
        started = time.monotonic()
        answer = _read_answer(conn)  # the server closes the connection after answering
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert BODY_TIMEOUT - 0.5 < waited < BODY_TIMEOUT + 10, waited
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "timeout"
    assert _stored_files(server) == before  # no blob, no temporary file
    assert _timed_get(server.url + "/healthz")[0] == 200


def test_a_trickling_upload_is_cut_at_the_body_deadline_and_nothing_is_kept(
    server: LiveServer,
) -> None:
    """A byte every second never trips the no-byte timeout; the whole body's deadline does."""
    key = _case_key(server)
    before = _stored_files(server)
    with _connect(server) as conn:
        conn.sendall(_head(server, ATTACH, 500_000, "application/octet-stream", key))
        started = time.monotonic()
        while not select.select([conn], [], [], 1.0)[0]:
            assert time.monotonic() - started < TOTAL_TIMEOUT + 10, "never cut"
            conn.sendall(b"x")
        answer = _read_answer(conn)
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert TOTAL_TIMEOUT - 0.5 < waited < TOTAL_TIMEOUT + 5, waited
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "timeout"
    assert "lambat" in answer.decode()  # told it was too slow, not that nothing came
    assert _stored_files(server) == before


def test_a_stalled_form_post_is_a_408_page_in_both_languages(server: LiveServer) -> None:
    with _connect(server) as conn:
        conn.sendall(_head(server, "/staff/login", 400, "application/x-www-form-urlencoded"))
        conn.sendall(b"username=petugas&")
        answer = _read_answer(conn)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert "Nothing arrived" in answer.decode() and "Tidak ada" in answer.decode()
    assert "request body stalled" in server.log_text()


def test_a_timeout_of_another_socket_stays_a_500(tmp_path: Path) -> None:
    """Only a stalled body is answered 408; a TimeoutError from elsewhere is unexpected."""
    bp = Blueprint("probe_other_socket", __name__)

    @bp.get("/t/other-socket")
    @public
    def other_socket() -> str:
        raise TimeoutError

    db = Database("sqlite", f"sqlite:///{tmp_path / 'sipadu.sqlite3'}")
    app: Flask = build_app(make_settings(tmp_path, db))
    app.register_blueprint(bp)
    # The test client has no gunicorn socket: nothing is armed, the answer is the 500.
    assert app.test_client().get("/t/other-socket").status_code == 500


def test_threads_by_default_on_postgresql_and_one_thread_on_sqlite() -> None:
    assert default_threads("postgresql+psycopg://sipadu@db/sipadu") == DEFAULT_THREADS > 1
    assert default_threads("sqlite:////srv/sipadu/sipadu.sqlite3") == 1
