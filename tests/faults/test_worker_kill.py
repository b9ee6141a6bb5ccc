"""A gunicorn worker killed with SIGKILL in the middle of an upload.

A real ``sipadu serve --workers 1`` on a temporary instance receives a large multipart report
sent slowly; once its encrypted temp blob is on disk the worker is killed. Afterwards the
service answers again (gunicorn starts a new worker), no case or attachment row lacks its
blob, every earlier acknowledged report still opens with its key, and
``sipadu storage gc --min-age 0`` sweeps what the dead worker left behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from sipadu.cases.models import Attachment, Case
from tests.support.cli import run_sipadu
from tests.support.instance import Database
from tests.support.live import LiveServer as Server
from tests.support.live import http_get, running_instance

pytestmark = pytest.mark.slow

BOUNDARY = "sipadu-fault-boundary"
DECLARED_FILE_BYTES = 8 * 1024 * 1024  # announced, never fully sent
SENT_FILE_BYTES = 2 * 1024 * 1024  # over one encryptor batch (1 MiB), so some reaches disk


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """``sipadu init``, a supervisor, then ``sipadu serve --workers 1`` on loopback."""
    with running_instance(
        tmp_path,
        Database.sqlite_file(tmp_path / "sipadu.sqlite3"),
        workers=1,
        extra_env={"SIPADU_RATE_LIMITS_ENABLED": "false", "SIPADU_MAX_FILE_BYTES": str(16 << 20)},
        supervisor=True,
    ) as running:
        yield running


def _multipart_head(text: str, filename: str) -> bytes:
    report = json.dumps({"category": "pungli", "what": text})
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="report"\r\n\r\n'
        f"{report}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
        f'name="attachments"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


def _file_report(server: Server, text: str, payload: bytes) -> dict[str, str]:
    body = _multipart_head(text, "bukti.bin") + payload + f"\r\n--{BOUNDARY}--\r\n".encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        server.url + "/api/v1/reports",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 201
        filed: dict[str, str] = json.loads(response.read())
    return filed


def _start_slow_upload(server: Server) -> socket.socket:
    """Send headers and the first part of a large upload, then stall (socket left open)."""
    head = _multipart_head("Unggahan yang terputus.", "besar.bin")
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(head) + DECLARED_FILE_BYTES + len(tail)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(
        (
            f"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()
        + head
    )
    chunk = os.urandom(64 * 1024)
    for _ in range(SENT_FILE_BYTES // len(chunk)):
        sock.sendall(chunk)
        time.sleep(0.02)  # a slow reporter
    return sock


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _partials(server: Server) -> list[Path]:
    return [p for p in server.blobs.glob("tmp-*.partial") if p.stat().st_size > 0]


def _workers(master: int) -> list[int]:
    """Pids whose parent is the gunicorn master (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.append(int(entry.name))
    return children


def _rows(server: Server) -> tuple[list[str], list[str]]:
    """(case codes, attachment blob ids) as stored in the database."""
    engine = create_engine(server.env["SIPADU_DATABASE_URL"])
    try:
        with Session(engine) as db:
            return list(db.scalars(select(Case.code))), list(db.scalars(select(Attachment.blob_id)))
    finally:
        engine.dispose()


def _blob_files(server: Server) -> set[str]:
    return {p.name for p in server.blobs.iterdir() if not p.name.startswith("tmp-")}


def test_sigkill_mid_upload_leaves_no_half_case(server: Server) -> None:
    earlier = [
        _file_report(server, f"Laporan sebelumnya {n}.", os.urandom(200_000)) for n in range(2)
    ]
    (worker,) = _workers(server.process.pid)

    sock = _start_slow_upload(server)
    try:
        _wait_for(lambda: bool(_partials(server)), 15, "the upload's temp blob")
        os.kill(worker, signal.SIGKILL)
        _wait_for(
            lambda: (w := _workers(server.process.pid)) != [] and worker not in w,
            30,
            "gunicorn to start a new worker",
        )
    finally:
        sock.close()

    # The service answers again, by itself.
    server.wait_until_answering()
    codes, blob_ids = _rows(server)
    assert sorted(codes) == sorted(item["case_code"] for item in earlier)
    assert len(blob_ids) == 2 and all((server.blobs / b).is_file() for b in blob_ids)
    leftovers = [p.name for p in server.blobs.iterdir() if p.name not in blob_ids]
    assert leftovers, "the killed upload left nothing behind: the fault did not hit it"
    for item in earlier:
        status, body = http_get(
            server.url + "/api/v1/case", {"Authorization": f"CaseKey {item['case_key']}"}
        )
        assert status == 200
        assert len(json.loads(body)["attachments"]) == 1

    swept = run_sipadu(server.env, "storage", "gc", "--min-age", "0")
    assert swept.returncode == 0, swept.stderr
    assert not list(server.blobs.glob("tmp-*")) and _blob_files(server) == set(blob_ids)
    later = _file_report(server, "Laporan sesudahnya.", os.urandom(10_000))
    assert later["case_key"].startswith(later["case_code"])
