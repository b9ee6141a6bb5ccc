"""No log line written while serving requests holds the client's address or user agent, and
no line at all is written for a reporter's (or any other non-staff) request: a timestamped
line would date the reporter's visit.

Real servers, real sockets: gunicorn through `sipadu serve` (production) and Werkzeug through
`flask --app sipadu run` (development). Every line either server prints is read.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
from pathlib import Path

import pytest

from sipadu.logging_privacy import scrub
from tests.support.cli import SIPADU, cli_env, init_instance
from tests.support.instance import Database, free_port
from tests.support.live import serve_command, start_server

UA_MARKER = "UA-MARKER-7Q2"
# The client speaks from its own loopback address, so its address is told apart from the
# server's own (which may appear in the start-up banner).
CLIENT_ADDRESS = "127.0.0.9"
QUERY_MARKER = "QUERY-MARKER-5K"
# Werkzeug's development server is no `sipadu` command; a developer starts it with Flask's.
FLASK = str(Path(SIPADU).with_name("flask"))
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


def _serve_and_log(command: list[str], env: dict[str, str], root: Path, port: int) -> str:
    server = start_server(env, root, port, command=command)
    try:
        server.wait_until_answering(ready="port")
        _traffic(port)
        time.sleep(0.5)  # let the last access line reach the log
    finally:
        server.stop(whole_group=True)  # `flask run` may have a child of its own
    return server.log_text()


@pytest.fixture
def instance_env(tmp_path: Path, sqlite_database: Database) -> dict[str, str]:
    env = cli_env(tmp_path, sqlite_database)
    init_instance(env)
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
def test_gunicorn_logs_no_client_details(instance_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    log = _serve_and_log(serve_command(port, workers=1), instance_env, tmp_path, port)
    _assert_private(log)


@pytest.mark.slow
def test_dev_server_logs_no_client_details(instance_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    command = [FLASK, "--app", "sipadu", "run", "--host", "127.0.0.1", "--port", str(port)]
    log = _serve_and_log(command, instance_env, tmp_path, port)
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
