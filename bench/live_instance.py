"""A real SIPADU for HTTP benchmarks: ``sipadu init``, a supervisor, ``sipadu serve``.

Everything lives in a folder the caller owns (a temporary one). The supervisor is created
through the staff service, with the instance's own Argon2 parameters, and gets an API
session the way a login would; the server is the product's ``sipadu serve`` with one sync
worker on 127.0.0.1, stopped by its own process id.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from bench.process_probe import children
from sipadu.accounts.models import StaffAccount
from sipadu.app import create_app
from sipadu.app_context import current_settings
from sipadu.crypto.staff import unlock_private_key
from sipadu.db import db_session
from sipadu.sessions.service import start_session
from sipadu.settings import settings_from_env
from sipadu.staff import service as staff_service

SIPADU = str(Path(sys.executable).with_name("sipadu"))
STARTUP_SECONDS = 60.0
REQUEST_HEADROOM = 64 * 1024  # multipart framing around the one file


class UploadBenchError(RuntimeError):
    """The bench server did not start or refused a request."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class Database:
    """Where an instance keeps its data: a SQLAlchemy URL and, on PostgreSQL, a schema."""

    url: str
    schema: str | None = None


@dataclass(frozen=True)
class StaffLogin:
    """A bench-made staff account of a seeded instance (never a real person's)."""

    username: str
    password: str = field(repr=False)


def instance_env(root: Path, port: int, database: Database) -> dict[str, str]:
    """The environment of a bench instance in ``root``: the caller's, minus any SIPADU_*
    setting, plus this instance's folders, database and address."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIPADU_")}
    env.update(
        {
            "SIPADU_INSTANCE_DIR": str(root / "instance"),
            "SIPADU_KEYS_DIR": str(root / "keys"),
            "SIPADU_DATABASE_URL": database.url,
            "SIPADU_BASE_URL": f"http://127.0.0.1:{port}",
            "SIPADU_LOG_LEVEL": "WARNING",
            # The benches send more requests a minute than a person may; limits are not what
            # they measure.
            "SIPADU_RATE_LIMITS_ENABLED": "false",
        }
    )
    if database.schema:
        env["SIPADU_DATABASE_SCHEMA"] = database.schema
    return env


def run_init(env: dict[str, str]) -> None:
    """``sipadu init`` for the instance ``env`` describes (idempotent)."""
    init = subprocess.run(  # noqa: S603
        [SIPADU, "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if init.returncode != 0:
        raise UploadBenchError(f"sipadu init failed: {init.stderr[-2000:]}")


def _api_session(db: Session, account: StaffAccount, password: str) -> str:
    """An API session for ``account``, started the way a login starts one; committed."""
    private_key = unlock_private_key(account.wrapped_private_key, password, account_id=account.id)
    token = start_session(db, kind="staff", payload=private_key, staff_id=account.id, channel="api")
    db.commit()
    return token


class LiveInstance:
    """``sipadu init`` + a supervisor with an API token + ``sipadu serve`` (``workers``
    sync workers, 1 unless told).

    With ``database`` and ``login``, the instance serves an existing (seeded) database whose
    keys are already in ``root``/keys, and signs in that database's supervisor instead."""

    memory_method = (
        "`sipadu serve` (gunicorn, 1 sync worker) on 127.0.0.1; worker VmHWM "
        "after a clear_refs reset and VmRSS sampled every 20 ms"
    )

    def __init__(
        self,
        root: Path,
        max_file_bytes: int = 10 * 1024 * 1024,
        workers: int = 1,
        env: dict[str, str] | None = None,
        *,
        database: Database | None = None,
        login: StaffLogin | None = None,
    ) -> None:
        self.root, self.workers = root, workers
        self.port = _free_port()
        self.login = login
        self.env = instance_env(
            root, self.port, database or Database(f"sqlite:///{root / 'sipadu.sqlite3'}")
        )
        self.env.update(
            {
                "SIPADU_MAX_FILE_BYTES": str(max_file_bytes),
                "SIPADU_MAX_REQUEST_BYTES": str(max_file_bytes + REQUEST_HEADROOM),
            }
        )
        self.env.update(env or {})
        self.token = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._log_path = root / "server.log"

    def __enter__(self) -> LiveInstance:
        run_init(self.env)
        self.token = self._login_token() if self.login else self._supervisor_token()
        with self._log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our own CLI, fixed arguments)
                [
                    SIPADU,
                    "serve",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "900",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self.worker_pids()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _supervisor_token(self) -> str:
        """A supervisor made through the staff service, and an API session for it."""
        app = create_app(settings_from_env(self.env))
        password = f"bench-{secrets.token_urlsafe(12)}-Sup"
        with app.app_context():
            settings = current_settings()
            assert settings.keyring is not None  # noqa: S101
            db = db_session()
            account = staff_service.create_account(
                db,
                f"bench-{secrets.token_hex(3)}",
                "supervisor",
                password,
                params=settings.argon2,
                audit_key=settings.keyring.audit_hmac_key,
            )
            account.totp_confirmed = True
            token = _api_session(db, account, password)
        app.extensions["sipadu.engine"].dispose()
        return token

    def _login_token(self) -> str:
        """An API session for an existing staff account (a seeded instance's supervisor)."""
        assert self.login is not None  # noqa: S101
        app = create_app(settings_from_env(self.env))
        with app.app_context():
            db = db_session()
            account = staff_service.find_account(db, self.login.username)
            if account is None:
                raise UploadBenchError(f"no staff account {self.login.username!r}")
            token = _api_session(db, account, self.login.password)
        app.extensions["sipadu.engine"].dispose()
        return token

    def worker_pid(self) -> int:
        """Wait until the port answers; the (first) worker's pid."""
        return self.worker_pids()[0]

    def worker_pids(self) -> list[int]:
        """Wait until every worker runs and the port answers; their pids."""
        assert self.process is not None  # noqa: S101
        end = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise UploadBenchError(self._log_path.read_text(errors="replace")[-2000:])
            workers = children(self.process.pid)
            if len(workers) >= self.workers and _port_open(self.port):
                return sorted(workers)
            time.sleep(0.1)
        raise UploadBenchError("sipadu serve did not start in time")

    def server_log(self) -> str:
        """What the server wrote so far (for a bench that must show it logged no error)."""
        return self._log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL to its own process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=10)
