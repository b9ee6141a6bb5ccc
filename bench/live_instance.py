"""A real SIPADU for HTTP benchmarks: ``sipadu init``, a supervisor, ``sipadu serve``.

Everything lives in a folder the caller owns (a temporary one). The instance's environment,
``sipadu init`` and the server itself are the test harness's (tests/support), so the
benchmarks measure the same server the tests start. The supervisor is created through the
staff service, with the instance's own Argon2 parameters, and gets an API session the way a
login would; the server is the product's ``sipadu serve`` with one sync worker on 127.0.0.1,
stopped by its own process id.
"""

from __future__ import annotations

import secrets
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
from tests.support.cli import init_instance
from tests.support.instance import Database, free_port
from tests.support.instance import instance_env as harness_env
from tests.support.live import (
    STARTUP_SECONDS,
    LiveServer,
    port_accepts,
    serve_command,
    start_server,
)

REQUEST_HEADROOM = 64 * 1024  # multipart framing around the one file
BENCH_ENV = {
    "SIPADU_LOG_LEVEL": "WARNING",
    # The benches send more requests a minute than a person may; limits are not what they
    # measure.
    "SIPADU_RATE_LIMITS_ENABLED": "false",
}


class UploadBenchError(RuntimeError):
    """The bench server did not start or refused a request."""


@dataclass(frozen=True)
class StaffLogin:
    """A bench-made staff account of a seeded instance (never a real person's)."""

    username: str
    password: str = field(repr=False)


def instance_env(root: Path, port: int, database: Database) -> dict[str, str]:
    """The environment of a bench instance in ``root``: the harness's instance environment
    (the caller's, minus any SIPADU_* setting, plus this instance's folders, database and
    address) with logging and rate limits set for measuring."""
    return harness_env(root, database, port=port, extra=BENCH_ENV)


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
        self.port = free_port()
        self.login = login
        self.env = instance_env(
            root, self.port, database or Database.sqlite_file(root / "sipadu.sqlite3")
        )
        self.env.update(
            {
                "SIPADU_MAX_FILE_BYTES": str(max_file_bytes),
                "SIPADU_MAX_REQUEST_BYTES": str(max_file_bytes + REQUEST_HEADROOM),
            }
        )
        self.env.update(env or {})
        self.token = ""
        self.server: LiveServer | None = None

    def __enter__(self) -> LiveInstance:
        init_instance(self.env)
        self.token = self._login_token() if self.login else self._supervisor_token()
        command = serve_command(self.port, self.workers, ["--timeout", "900"])
        self.server = start_server(self.env, self.root, self.port, command=command)
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
            # Stands for the escrow holder's approval of a first supervisor.
            account.activation_approved_at = account.created_at
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
        assert self.server is not None  # noqa: S101
        process = self.server.process
        end = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < end:
            if process.poll() is not None:
                raise UploadBenchError(self.server.log_text()[-2000:])
            workers = children(process.pid)
            if len(workers) >= self.workers and port_accepts(self.port):
                return sorted(workers)
            time.sleep(0.1)
        raise UploadBenchError("sipadu serve did not start in time")

    def server_log(self) -> str:
        """What the server wrote so far (for a bench that must show it logged no error)."""
        assert self.server is not None  # noqa: S101
        return self.server.log_text()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL to its own process group)."""
        if self.server is not None:
            self.server.stop()
