"""Retention: due cases, extensions with a sealed reason, and a purge that takes only them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from sipadu import create_app
from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.audit.service import verify_chain
from sipadu.cases.models import (
    Attachment,
    Case,
    CaseGrant,
    CaseKeyThrottle,
    CaseMessage,
    CaseRating,
    TimelineEntry,
)
from sipadu.cases.service import case_by_code
from sipadu.casework.retention_extension import extend_retention, read_retention_reason
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.ops.retention import (
    RetentionError,
    cases_due_for_purge,
    retention_end,
    run_retention,
)
from sipadu.sessions.models import AuthSession
from sipadu.settings import SettingsError, settings_from_env
from tests.conftest import TEST_ARGON2
from tests.ops.conftest import blob_store, file_case, supervisor
from tests.support.cli import cli_env, run_sipadu
from tests.support.instance import Database

TODAY = date(2027, 6, 1)


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _count(db: Session, case_column: InstrumentedAttribute[Any], case_id: int) -> int:
    """Rows whose ``case_column`` (a table's case_id) points at ``case_id``."""
    return db.scalar(select(func.count()).where(case_column == case_id)) or 0


@pytest.mark.parametrize("blob_kind", ["file", "s3"])
def test_purge_takes_only_due_cases_and_their_blobs(ops_app: Flask, ops_db: Session) -> None:
    supervisor(ops_app, ops_db)
    due = file_case(
        ops_app,
        ops_db,
        "lama",
        files=2,
        archived_on=TODAY - timedelta(days=400),
        retention_until=TODAY - timedelta(days=35),
    )
    today_due = file_case(
        ops_app, ops_db, "tepat", archived_on=TODAY - timedelta(days=365), retention_until=TODAY
    )
    kept = file_case(
        ops_app,
        ops_db,
        "baru",
        files=2,
        archived_on=TODAY - timedelta(days=10),
        retention_until=TODAY + timedelta(days=355),
    )
    open_case = file_case(ops_app, ops_db, "berjalan")
    due_case = case_by_code(ops_db, due.code)
    assert due_case is not None
    due_id = due_case.id
    at = due_case.updated_at
    ops_db.add(CaseKeyThrottle(code=due.code, failures=3, last_failure_at=at, window_started_at=at))
    ops_db.add(
        AuthSession(
            id_hash="a" * 64,
            kind="reporter",
            case_id=due_id,
            payload=b"x",
            channel="web",
            created_at=due_case.updated_at,
            last_seen_at=due_case.updated_at,
            expires_at=due_case.updated_at,
            generation=0,
        )
    )
    ops_db.add(
        CaseRating(case_id=due_id, score=4, sealed=b"x", record_id=b"r" * 16, created_on=TODAY)
    )
    ops_db.commit()
    store = blob_store(ops_app)

    listed = run_retention(ops_db, store, audit_key=_key(ops_app), dry_run=True, today=TODAY)
    assert sorted(listed) == sorted([due.code, today_due.code])
    assert case_by_code(ops_db, due.code) is not None
    assert all(store.exists(blob_id) for blob_id in due.files)

    purged = run_retention(ops_db, store, audit_key=_key(ops_app), today=TODAY)
    assert sorted(purged) == sorted([due.code, today_due.code])
    ops_db.expire_all()
    assert case_by_code(ops_db, due.code) is None
    for model in (CaseGrant, CaseMessage, TimelineEntry, Attachment, CaseRating, AuthSession):
        assert _count(ops_db, model.case_id, due_id) == 0
    assert ops_db.get(CaseKeyThrottle, due.code) is None
    assert not any(store.exists(blob_id) for blob_id in [*due.files, *today_due.files])
    for survivor in (kept, open_case):
        case = case_by_code(ops_db, survivor.code)
        assert case is not None and _count(ops_db, CaseMessage.case_id, case.id) == 2
        for blob_id, data in survivor.files.items():
            with store.open(blob_id) as blob:
                assert len(blob.read()) >= len(data)
    events = ops_db.scalars(select(AuditEvent).where(AuditEvent.tag == "case:purged")).all()
    assert sorted(e.case_code for e in events) == sorted(purged)  # type: ignore[type-var]
    assert all(e.detail == "{}" for e in events)  # the code only
    assert verify_chain(ops_db, _key(ops_app)).ok
    assert run_retention(ops_db, store, audit_key=_key(ops_app), today=TODAY) == []


def test_supervisor_extends_retention_with_a_sealed_reason(
    ops_app: Flask,
    ops_db: Session,
) -> None:
    member = supervisor(ops_app, ops_db)
    filed = file_case(
        ops_app,
        ops_db,
        "sengketa",
        archived_on=TODAY - timedelta(days=360),
        retention_until=TODAY + timedelta(days=5),
    )
    file_case(ops_app, ops_db, "jauh", archived_on=TODAY, retention_until=TODAY + timedelta(400))
    assert [d.code for d in cases_due_for_purge(ops_db, 14, today=TODAY)] == [filed.code]
    case = case_by_code(ops_db, filed.code)
    assert case is not None
    reason = "Masih digugat di PTUN"
    with pytest.raises(RetentionError):
        extend_retention(
            ops_db,
            case,
            TODAY + timedelta(days=2),
            reason,
            staff_id=member.account.id,
            dek=filed.dek,
            audit_key=_key(ops_app),
            today=TODAY,
        )
    with pytest.raises(RetentionError):
        extend_retention(
            ops_db,
            case,
            TODAY + timedelta(days=200),
            "  ",
            staff_id=member.account.id,
            dek=filed.dek,
            audit_key=_key(ops_app),
            today=TODAY,
        )
    extend_retention(
        ops_db,
        case,
        TODAY + timedelta(days=200),
        reason,
        staff_id=member.account.id,
        dek=filed.dek,
        audit_key=_key(ops_app),
        today=TODAY,
    )
    ops_db.commit()
    assert cases_due_for_purge(ops_db, 14, today=TODAY) == []
    assert reason.encode() not in (case.retention_reason_sealed or b"")
    assert read_retention_reason(case, filed.dek) == reason
    assert case.retention_extended_by == member.account.id
    event = ops_db.scalar(select(AuditEvent).where(AuditEvent.tag == "case:retention_extended"))
    assert event is not None and event.actor == f"staff:{member.account.id}"
    assert "PTUN" not in event.detail


def test_retention_period_setting() -> None:
    assert settings_from_env({}).retention_days == 365
    assert settings_from_env({"SIPADU_RETENTION_DAYS": "730"}).retention_days == 730
    for bad in ("satu", "7"):
        with pytest.raises(SettingsError, match="SIPADU_RETENTION_DAYS"):
            settings_from_env({"SIPADU_RETENTION_DAYS": bad})
    assert retention_end(date(2027, 1, 1), 365) == date(2028, 1, 1)
    assert Case.retention_until is not None


@pytest.mark.slow
def test_retention_cli(tmp_path: Path, sqlite_database: Database) -> None:
    env = cli_env(tmp_path, sqlite_database)
    assert run_sipadu(env, "init").returncode == 0
    app = create_app(replace(settings_from_env(env).with_keyring(), argon2=TEST_ARGON2))
    today = wib_today()
    with app.app_context():
        db = db_session()
        supervisor(app, db)
        due = file_case(
            app,
            db,
            "habis",
            archived_on=today - timedelta(days=400),
            retention_until=today - timedelta(days=1),
        )
        kept = file_case(
            app, db, "simpan", archived_on=today, retention_until=retention_end(today, 365)
        )
    dry = run_sipadu(env, "retention", "run", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert due.code in dry.stdout and kept.code not in dry.stdout
    assert "1 case(s) due for purge (dry run: nothing deleted)." in dry.stdout
    done = run_sipadu(env, "retention", "run")
    assert done.returncode == 0, done.stderr
    assert f"purged {due.code}" in done.stdout
    with app.app_context():
        db = db_session()
        assert case_by_code(db, due.code) is None and case_by_code(db, kept.code) is not None
        assert not any(blob_store(app).exists(b) for b in due.files)
    app.extensions["sipadu.engine"].dispose()
    assert run_sipadu(env, "audit", "verify").returncode == 0
