"""Server-side sessions: neither half alone decrypts, expiry deletes, logout deletes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.sessions import SessionToken, open_session_payload
from sipadu.sessions.models import AuthSession
from sipadu.sessions.service import (
    InvalidSessionError,
    SessionExpiredError,
    end_session,
    end_staff_sessions,
    purge_expired_sessions,
    resume_session,
    start_session,
)
from tests.support.factories import make_case, make_staff

PAYLOAD = b"private-key-bytes-32-long-000000"
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_round_trip_and_row_holds_no_payload(app: Flask, db: Session) -> None:
    staff = make_staff(app, db)
    token = start_session(db, kind="staff", payload=PAYLOAD, staff_id=staff.account.id, now=T0)
    db.commit()
    row = db.scalars(select(AuthSession)).one()
    assert PAYLOAD not in row.payload and token not in row.id_hash
    assert resume_session(db, token, kind="staff", now=T0).payload == PAYLOAD
    # The row alone: a guessed secret does not open it.
    guess = SessionToken(token="x", id_hash=row.id_hash, secret=secrets.token_bytes(32))
    with pytest.raises(DecryptionError):
        open_session_payload(guess, row.payload)


def test_reporter_and_staff_sessions_do_not_mix(app: Flask, db: Session) -> None:
    make_staff(app, db)
    case = make_case(app, db).case
    token = start_session(db, kind="reporter", payload=PAYLOAD, case_id=case.id, now=T0)
    with pytest.raises(InvalidSessionError):
        resume_session(db, token, kind="staff", now=T0)


@pytest.mark.parametrize("token", ["", "v1.", "v1." + "A" * 43, "garbage" * 10])
def test_forged_tokens_are_refused(app: Flask, db: Session, token: str) -> None:
    with pytest.raises(InvalidSessionError):
        resume_session(db, token, kind="staff", now=T0)


def test_idle_timeout_deletes_the_row(app: Flask, db: Session) -> None:
    make_staff(app, db)
    case = make_case(app, db).case
    token = start_session(db, kind="reporter", payload=PAYLOAD, case_id=case.id, now=T0)
    assert resume_session(db, token, kind="reporter", now=T0 + timedelta(minutes=14))
    with pytest.raises(SessionExpiredError):
        resume_session(db, token, kind="reporter", now=T0 + timedelta(minutes=30))
    assert db.scalars(select(AuthSession)).all() == []


def test_activity_keeps_a_session_alive_until_its_absolute_limit(app: Flask, db: Session) -> None:
    staff = make_staff(app, db)
    token = start_session(db, kind="staff", payload=PAYLOAD, staff_id=staff.account.id, now=T0)
    moment = T0
    while moment < T0 + timedelta(hours=11, minutes=40):
        moment += timedelta(minutes=20)
        resume_session(db, token, kind="staff", now=moment)
    with pytest.raises(SessionExpiredError):
        resume_session(db, token, kind="staff", now=T0 + timedelta(hours=12))


def test_logout_and_password_change_end_sessions(app: Flask, db: Session) -> None:
    staff = make_staff(app, db)
    first = start_session(db, kind="staff", payload=PAYLOAD, staff_id=staff.account.id, now=T0)
    second = start_session(db, kind="staff", payload=PAYLOAD, staff_id=staff.account.id, now=T0)
    assert end_session(db, first)
    with pytest.raises(InvalidSessionError):
        resume_session(db, first, kind="staff", now=T0)
    keep = resume_session(db, second, kind="staff", now=T0).row.id_hash
    third = start_session(db, kind="staff", payload=PAYLOAD, staff_id=staff.account.id, now=T0)
    assert end_staff_sessions(db, staff.account.id, keep_id_hash=keep) == 1
    with pytest.raises(InvalidSessionError):
        resume_session(db, third, kind="staff", now=T0)
    assert resume_session(db, second, kind="staff", now=T0)


def test_purge_removes_only_dead_sessions(app: Flask, db: Session) -> None:
    staff = make_staff(app, db)
    start_session(db, kind="staff", payload=PAYLOAD, staff_id=staff.account.id, now=T0)
    live = start_session(
        db, kind="staff", payload=PAYLOAD, staff_id=staff.account.id, now=T0 + timedelta(minutes=50)
    )
    assert purge_expired_sessions(db, now=T0 + timedelta(minutes=55)) == 1
    assert resume_session(db, live, kind="staff", now=T0 + timedelta(minutes=55))
