"""No log line written while serving requests holds the client's address or user agent, and
no line at all is written for a reporter's (or any other non-staff) request: a timestamped
line would date the reporter's visit.

Real servers, real sockets: gunicorn through `sipadu serve` (production) and Werkzeug through
`sipadu run` (development). Every line either server prints is read.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sipadu.logging_privacy import scrub
from tests.conftest import Database

SIPADU = str(Path(sys.executable).with_name("sipadu"))
UA_MARKER = "UA-MARKER-7Q2"
# The client speaks from its own loopback address, so its address is told apart from the
# server's own (which may appear in the start-up banner).
CLIENT_ADDRESS = "127.0.0.9"
QUERY_MARKER = "QUERY-MARKER-5K"
REPORTER_REQUESTS = (
    ("/laporan", "GET"),
    ("/laporan", "POST"),
    ("/kasus", "GET"),
    ("/kasus", "POST"),
    ("/kasus/saya", "GET"),
    ("/api/v1/reports", "POST"),
    ("/api/v1/case", "GET"),
    ("/bahasa/en", "GET"),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def _traffic(port: int) -> None:
    for path, method in (
        ("/", "GET"),
        ("/?q=" + QUERY_MARKER, "GET"),
        ("/missing", "GET"),
        ("/", "DELETE"),
        ("/static/css/sipadu.css", "GET"),
        ("/staff/login?q=" + QUERY_MARKER, "GET"),
        *REPORTER_REQUESTS,
    ):
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=10, source_address=(CLIENT_ADDRESS, 0)
        )
        connection.request(
            method,
            path,
            headers={
                "User-Agent": UA_MARKER,
                "X-Forwarded-For": "203.0.113.77",
                "Referer": "http://198.51.100.5/page",
            },
        )
        connection.getresponse().read()
        connection.close()
    with socket.create_connection(
        ("127.0.0.1", port), timeout=5, source_address=(CLIENT_ADDRESS, 0)
    ) as raw:
        raw.sendall(b"NOT A REQUEST\r\n\r\n")
        with contextlib.suppress(OSError):
            raw.recv(1024)


def _serve_and_log(command: list[str], env: dict[str, str], port: int) -> str:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        _wait_for(port, process)
        _traffic(port)
        time.sleep(0.5)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    return output.decode("utf-8", "replace")


@pytest.fixture
def instance_env(tmp_path: Path, sqlite_database: Database) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIPADU_")}
    env.update(
        {
            "SIPADU_INSTANCE_DIR": str(tmp_path / "instance"),
            "SIPADU_KEYS_DIR": str(tmp_path / "keys"),
            "SIPADU_DATABASE_URL": sqlite_database.url,
        }
    )
    from tests.test_cli import _seed_escrow_public

    _seed_escrow_public(tmp_path / "keys")
    subprocess.run([SIPADU, "init"], env=env, check=True, capture_output=True, timeout=120)
    return env


def _assert_private(log: str) -> None:
    assert '"GET /staff/login" 200' in log or "GET /staff/login HTTP" in log, (
        f"no access log was written for a staff page:\n{log}"
    )
    for path, method in (
        *REPORTER_REQUESTS,
        ("/", "GET"),
        ("/missing", "GET"),
        ("/static/css/sipadu.css", "GET"),
    ):
        for line in log.splitlines():
            assert f'"{method} {path}"' not in line and f'"{method} {path} HTTP' not in line, (
                f"a non-staff request reached the log: {line}"
            )
    for secret in (CLIENT_ADDRESS, "203.0.113.77", "198.51.100.5", UA_MARKER, QUERY_MARKER):
        offending = [line for line in log.splitlines() if secret in line]
        assert offending == [], f"{secret} reached the log: {offending}"


@pytest.mark.slow
def test_gunicorn_logs_no_client_details(instance_env: dict[str, str]) -> None:
    port = _free_port()
    log = _serve_and_log(
        [SIPADU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], instance_env, port
    )
    _assert_private(log)


@pytest.mark.slow
def test_dev_server_logs_no_client_details(instance_env: dict[str, str]) -> None:
    port = _free_port()
    log = _serve_and_log(
        [SIPADU, "run", "--host", "127.0.0.1", "--port", str(port)], instance_env, port
    )
    _assert_private(log)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("127.0.0.1 - - [23/Nov/2026 16:05:12] x", "[addr] - - [23/Nov/2026 16:05:12] x"),
        ("peer [::1]:5000 and fe80::1%eth0", "peer [[addr]]:5000 and [addr]"),
        ("from 2001:db8:0:0:0:0:0:1 done", "from [addr] done"),
        ("version 1.2.3 at 12:30:45", "version 1.2.3 at 12:30:45"),
        ('"GET /kasus?key=ABC HTTP/1.1" 200 -', '"GET /kasus HTTP/1.1" 200 -'),
    ],
)
def test_scrub(raw: str, expected: str) -> None:
    assert scrub(raw) == expected
