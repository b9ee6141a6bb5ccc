"""Channel fixtures: an app with a supervisor and two service accounts (jaki, lapor), helpers
that file through the intake API, and a webhook receiver on 127.0.0.1 that can fail."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sipadu.app_context import current_settings
from sipadu.channels.accounts import create_account
from sipadu.db import db_session
from sipadu.settings import Settings
from tests.casework.conftest import FreshContextClient, bearer
from tests.conftest import build_app, make_settings
from tests.support.factories import StaffMember, make_staff
from tests.support.instance import Database

REPORT = {
    "category": "pungli",
    "what": "Petugas kelurahan meminta uang tambahan untuk surat keterangan.",
    "channel": "jaki",
    "external_ref": "JAKI-2026-000123",
}


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """Intake tests call the same endpoints many times a minute."""
    return make_settings(tmp_path, database, rate_limits_enabled=False)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """A migrated app whose test clients give each request a fresh app context."""
    application = build_app(settings)
    application.test_client_class = FreshContextClient
    yield application


@dataclass
class Channels:
    """An app ready for intake: a supervisor and the tokens of two service accounts."""

    app: Flask
    supervisor: StaffMember
    jaki: str = field(repr=False)
    lapor: str = field(repr=False)

    def audit_key(self) -> bytes:
        keyring = current_settings(self.app).keyring
        assert keyring is not None
        return keyring.audit_hmac_key

    def staff_headers(self) -> dict[str, str]:
        """The supervisor's API headers."""
        with self.app.app_context():
            headers = bearer(db_session(), self.supervisor)
            db_session().commit()
        return headers


@pytest.fixture
def channels(app: Flask) -> Channels:
    with app.app_context():
        db = db_session()
        supervisor = make_staff(app, db)
        keyring = current_settings(app).keyring
        assert keyring is not None
        _, jaki = create_account(db, "jaki", keyring.audit_hmac_key)
        _, lapor = create_account(db, "lapor", keyring.audit_hmac_key)
        db.commit()
    return Channels(app, supervisor, jaki, lapor)


def service_headers(token: str, idempotency_key: str | None = "idem-0001") -> dict[str, str]:
    """An intake call's headers."""
    headers = {"Authorization": f"Bearer {token}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def file_report(
    client: FlaskClient,
    token: str,
    report: dict[str, Any] | None = None,
    idempotency_key: str = "idem-0001",
) -> TestResponse:
    """POST a report to the intake API."""
    return client.post(
        "/api/v1/intake/reports",
        json=REPORT if report is None else report,
        headers=service_headers(token, idempotency_key),
    )


def change_status(client: FlaskClient, headers: dict[str, str], code: str, **body: str) -> None:
    """A supervisor moves the case through the staff API."""
    response = client.post(f"/api/v1/staff/cases/{code}/status", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()


def count(db: Session, model: type[Any]) -> int:
    """Rows of ``model``."""
    from sqlalchemy import func, select

    return int(db.scalar(select(func.count()).select_from(model)) or 0)


@dataclass
class Received:
    """One webhook the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass
class Receiver:
    """A webhook receiver: answers the statuses in ``answers`` first, then 204."""

    url: str
    received: list[Received]
    answers: list[int]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received: list[Received] = []
    answers: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.append(Received(self.path, dict(self.headers), self.rfile.read(length)))
            self.send_response(answers.pop(0) if answers else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_port}/hook", received, answers)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
