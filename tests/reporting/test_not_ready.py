"""A report nobody at the Inspektorat could read is refused, and nothing of it is stored.

``sipadu init`` always creates the escrow key, so the escrow key alone must not make the
service "ready": a report filed before any approved supervisor exists would be invisible to
every staff member created afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.cases.models import Case
from sipadu.crypto.escrow import generate_escrow_keypair
from sipadu.db import db_session
from sipadu.keyring import make_test_keyring
from sipadu.settings import Settings
from sipadu.staff.accounts import complete_setup, create_pending_account
from tests.conftest import make_settings
from tests.support.factories import make_staff
from tests.support.forms import submit
from tests.support.instance import Database

REPORT = {"category": "pungli", "what": "Petugas meminta uang tambahan di loket."}


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """An instance as ``sipadu init`` leaves it: the escrow public key exists."""
    return make_settings(
        tmp_path,
        database,
        rate_limits_enabled=False,
        keyring=make_test_keyring(escrow_public=generate_escrow_keypair()[1]),
    )


def _post_rendered_form(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.get("/bahasa/en")
    return submit(
        client,
        client.get("/laporan"),
        "/laporan",
        fill=REPORT,
        files={"attachments": (b"catatan bukti\n", "bukti.txt")},
    )


def _nothing_stored(app: Flask) -> None:
    with app.app_context():
        db = db_session()
        assert db.scalar(select(func.count()).select_from(Case)) == 0
        tags = set(db.scalars(select(AuditEvent.tag)))
        assert not {"case:submitted", "attachment:added"} & tags
    blobs = current_settings(app).blob_dir
    assert not blobs.exists() or not [p for p in blobs.rglob("*") if p.is_file()]


def test_report_form_is_refused_while_only_the_escrow_key_exists(app: Flask) -> None:
    assert current_settings(app).keyring.escrow_public is not None  # type: ignore[union-attr]
    response = _post_rendered_form(app)
    assert response.status_code == 503
    assert "nobody at the Inspektorat could read them" in response.get_data(as_text=True)
    assert "SPD-" not in response.get_data(as_text=True)
    _nothing_stored(app)


def test_api_report_is_refused_while_only_the_escrow_key_exists(app: Flask) -> None:
    response = app.test_client().post(
        "/api/v1/reports", json=REPORT, headers={"Accept-Language": "id"}
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "not_ready"
    _nothing_stored(app)


def test_an_unapproved_supervisor_does_not_make_the_service_ready(app: Flask) -> None:
    settings = current_settings(app)
    assert settings.keyring is not None
    with app.app_context():
        db = db_session()
        link = create_pending_account(
            db, "baru", "supervisor", actor="staff:1", audit_key=settings.keyring.audit_hmac_key
        )
        db.commit()
        complete_setup(
            db,
            link.token,
            "kuda-laut-merah-biru",
            params=settings.argon2,
            audit_key=settings.keyring.audit_hmac_key,
        )
        db.commit()
    assert _post_rendered_form(app).status_code == 503
    assert app.test_client().post("/api/v1/reports", json=REPORT).status_code == 503
    _nothing_stored(app)


def test_an_approved_supervisor_makes_the_service_ready(app: Flask) -> None:
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    assert _post_rendered_form(app).status_code == 201
    assert app.test_client().post("/api/v1/reports", json=REPORT).status_code == 201
