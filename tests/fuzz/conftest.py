"""Fuzzing fixtures: a SQLite app with rate limits off, a supervisor and a filed case.

Fuzzers send hundreds of requests a minute; the rate limiter would answer most of them with
429 and hide the code paths under test. Other tests check the limits themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from sipadu.channels.accounts import create_account
from sipadu.db import db_session
from sipadu.sessions.service import start_session
from tests.conftest import build_app, make_settings
from tests.support.factories import StaffMember, make_staff
from tests.support.instance import Database


@dataclass(frozen=True)
class Credentials:
    """A reporter's case key, a supervisor's API token and a service token, all live."""

    case_key: str
    case_code: str
    bearer: str
    supervisor: StaffMember
    service_token: str = ""


@pytest.fixture
def fuzz_app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    """A migrated SQLite app that takes many requests a minute and small files."""
    settings = make_settings(
        tmp_path, sqlite_database, rate_limits_enabled=False, max_file_bytes=64 * 1024, max_files=3
    )
    application = build_app(settings)
    yield application
    application.extensions["sipadu.engine"].dispose()


@pytest.fixture
def credentials(fuzz_app: Flask) -> Credentials:
    """File one report through the API and open an API session for a supervisor."""
    with fuzz_app.app_context():
        db = db_session()
        supervisor = make_staff(fuzz_app, db)
        db.commit()
        token = start_session(
            db,
            kind="staff",
            payload=supervisor.private_key,
            staff_id=supervisor.account.id,
            channel="api",
        )
        keyring = fuzz_app.extensions["sipadu.settings"].keyring
        _, service_token = create_account(db, "fuzz", keyring.audit_hmac_key)
        db.commit()
    filed = fuzz_app.test_client().post(
        "/api/v1/reports", json={"category": "pungli", "what": "Pungutan di loket."}
    )
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    return Credentials(body["case_key"], body["case_code"], token, supervisor, service_token)
