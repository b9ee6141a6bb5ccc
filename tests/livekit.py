"""A real SIPADU for tests of the production path: ``sipadu init`` on a fresh instance (SQLite
file or PostgreSQL schema), staff enrolled through the staff service, and ``sipadu serve``
(gunicorn, sync workers) on 127.0.0.1, stopped by its own process id.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sipadu.app import create_app
from sipadu.db import db_session
from sipadu.settings import settings_from_env
from tests.conftest import Database
from tests.e2e.helpers import SIPADU, run_sipadu
from tests.staffkit import Enrolled, enrolled

STARTUP_SECONDS = 60.0
STOP_SECONDS = 30.0


class LiveServerError(RuntimeError):
    """The instance could not be prepared or the server did not start."""


@dataclass(frozen=True)
class LiveServer:
    """A running ``sipadu serve`` and the instance it serves."""

    url: str
    env: dict[str, str]
    root: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_text(self) -> str:
        """Everything the server wrote (gunicorn, access and application log)."""
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def instance_env(
    root: Path, database: Database, port: int, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of an instance under ``root`` on ``database``, served on ``port``.

    The caller's own ``SIPADU_*`` variables are dropped so a developer's shell cannot leak
    into the instance under test.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIPADU_")}
    env.update(
        {
            "SIPADU_INSTANCE_DIR": str(root / "instance"),
            "SIPADU_KEYS_DIR": str(root / "keys"),
            "SIPADU_DATABASE_URL": database.url,
            "SIPADU_BASE_URL": f"http://127.0.0.1:{port}",
        }
    )
    if database.schema:
        env["SIPADU_DATABASE_SCHEMA"] = database.schema
    env.update(extra or {})
    return env


def init_instance(env: Mapping[str, str]) -> None:
    """``sipadu init``: keys, schema through the migrations, escrow key."""
    result = run_sipadu(env, "init")
    if result.returncode != 0:
        raise LiveServerError(f"sipadu init failed: {result.stderr[-2000:]}")


def enrol_staff(env: Mapping[str, str], roles: Sequence[str]) -> list[Enrolled]:
    """One account per role, made through the staff service with the instance's own
    settings (its Argon2 parameters and audit key), TOTP confirmed."""
    app = create_app(settings_from_env(env))
    try:
        with app.app_context():
            return [enrolled(app, db_session(), role) for role in roles]
    finally:
        app.extensions["sipadu.engine"].dispose()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=5) as response:  # noqa: S310 (loopback)
            return int(response.status) == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def serving(env: Mapping[str, str], root: Path, workers: int = 2) -> Iterator[LiveServer]:
    """``sipadu serve`` with ``workers`` sync workers until the block ends."""
    url = env["SIPADU_BASE_URL"]
    bind = url.removeprefix("http://")
    log_path = root / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [SIPADU, "serve", "--bind", bind, "--workers", str(workers)],
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(url, dict(env), root, process, log_path)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise LiveServerError(f"sipadu serve did not start:\n{server.log_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)
