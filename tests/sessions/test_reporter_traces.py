"""Reporter-linked rows keep no exact time and do not outlive their purpose: session rows are
coarse and purged, throttle rows forgotten after a day, the audit queue sealed, by timers and
by the workers themselves after answering requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_audit_key
from sipadu.audit.models import AuditEvent, AuditQueueEntry
from sipadu.audit.service import record_event
from sipadu.cases.models import CaseKeyThrottle
from sipadu.ops.housekeeping import housekeep
from sipadu.sessions.models import AuthSession
from sipadu.sessions.service import (
    SessionExpiredError,
    purge_expired_sessions,
    resume_session,
    start_session,
)
from tests.support.factories import make_case, make_staff

PAYLOAD = b"case-dek-bytes-32-long-000000000"
VISIT = datetime(2026, 12, 7, 10, 7, 23, 456789, tzinfo=UTC)


def _reporter_session(app: Flask, db: Session, now: datetime) -> str:
    make_staff(app, db)
    case = make_case(app, db).case
    token = start_session(db, kind="reporter", payload=PAYLOAD, case_id=case.id, now=now)
    db.commit()
    return token


def test_a_reporter_session_row_keeps_no_exact_time(app: Flask, db: Session) -> None:
    token = _reporter_session(app, db, VISIT)
    db.expire_all()  # read back from the database: the column type hands back aware UTC
    row = db.scalars(select(AuthSession)).one()
    assert row.created_at == datetime(2026, 12, 7, tzinfo=UTC)
    assert row.last_seen_at == datetime(2026, 12, 7, 10, 5, tzinfo=UTC)
    assert row.expires_at == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    resume_session(db, token, kind="reporter", now=VISIT + timedelta(minutes=1))
    db.commit()
    assert row.last_seen_at == datetime(2026, 12, 7, 10, 5, tzinfo=UTC)
    resume_session(db, token, kind="reporter", now=VISIT + timedelta(minutes=4))
    db.commit()
    assert row.last_seen_at == datetime(2026, 12, 7, 10, 10, tzinfo=UTC)


def test_idle_reporter_sessions_are_purged(app: Flask, db: Session) -> None:
    _reporter_session(app, db, VISIT)
    assert purge_expired_sessions(db, VISIT + timedelta(minutes=10)) == 0
    # Idle 15 minutes after its rounded-down clock: gone, though staff rows wait 30.
    assert purge_expired_sessions(db, datetime(2026, 12, 7, 10, 20, tzinfo=UTC)) == 1
    db.commit()
    assert db.scalars(select(AuthSession)).first() is None


def test_stale_throttle_rows_are_forgotten(app: Flask, db: Session) -> None:
    db.add(
        CaseKeyThrottle(
            code="SPD-OLD111", failures=5, last_failure_at=VISIT, window_started_at=VISIT
        )
    )
    db.add(
        CaseKeyThrottle(
            code="SPD-NEW222",
            failures=5,
            last_failure_at=VISIT + timedelta(hours=20),
            window_started_at=VISIT,
        )
    )
    db.commit()
    tidied = housekeep(db, current_audit_key(app), now=VISIT + timedelta(days=1, hours=1))
    assert tidied.throttles == 1
    assert [row.code for row in db.scalars(select(CaseKeyThrottle))] == ["SPD-NEW222"]


def test_housekeeping_seals_finished_days_only(app: Flask, db: Session) -> None:
    key = current_audit_key(app)
    record_event(db, key, "reporter:login", actor="reporter", now=VISIT)
    record_event(db, key, "reporter:login", actor="reporter", now=VISIT + timedelta(days=1))
    db.commit()
    tidied = housekeep(db, key, now=VISIT + timedelta(days=1, hours=2))
    assert tidied.sealed_events == 1
    assert [row.occurred_at.day for row in db.scalars(select(AuditEvent))] == [7]
    assert [row.day for row in db.scalars(select(AuditQueueEntry))] == [date(2026, 12, 8)]


def test_a_worker_tidies_up_after_answering(app: Flask, db: Session) -> None:
    """No timer ran: the first response of the worker purges and seals."""
    _reporter_session(app, db, datetime.now(UTC) - timedelta(hours=3))
    record_event(
        db,
        current_audit_key(app),
        "reporter:login",
        actor="reporter",
        now=datetime.now(UTC) - timedelta(days=1),
    )
    db.commit()
    response = app.test_client().get("/")
    assert response.status_code == 200
    db.rollback()  # the request's session outlives it only here, inside the test's app context
    response.close()  # what the WSGI server does once the response is sent
    db.expire_all()
    assert db.scalars(select(AuthSession)).first() is None
    today = datetime.now(UTC).date()
    assert {row.day for row in db.scalars(select(AuditQueueEntry))} == {today}  # the report
    assert [
        row.tag for row in db.scalars(select(AuditEvent).where(AuditEvent.actor == "reporter"))
    ] == ["reporter:login"]


def test_sessions_purge_command(app: Flask, db: Session) -> None:
    _reporter_session(app, db, datetime.now(UTC) - timedelta(hours=3))
    result = app.test_cli_runner().invoke(args=["sessions", "purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 expired sessions" in result.output


@pytest.mark.parametrize("minute", [0, 1, 4, 5])
def test_a_reporter_session_ends_at_most_15_idle_minutes_after_the_last_request(
    app: Flask, db: Session, minute: int
) -> None:
    active = datetime(2026, 12, 7, 10, minute, 1, tzinfo=UTC)
    token = _reporter_session(app, db, active - timedelta(minutes=5))
    resume_session(db, token, kind="reporter", now=active)
    resume_session(db, token, kind="reporter", now=active + timedelta(minutes=9))
    db.commit()
    with pytest.raises(SessionExpiredError):
        resume_session(
            db, token, kind="reporter", now=active + timedelta(minutes=9 + 15, seconds=1)
        )


def test_staff_sessions_keep_their_exact_30_idle_minutes(app: Flask, db: Session) -> None:
    member = make_staff(app, db)
    token = start_session(db, kind="staff", payload=PAYLOAD, staff_id=member.account.id, now=VISIT)
    db.commit()
    resume_session(db, token, kind="staff", now=VISIT + timedelta(minutes=29))
    db.commit()
    resume_session(db, token, kind="staff", now=VISIT + timedelta(minutes=58))
    db.commit()
    with pytest.raises(SessionExpiredError):
        resume_session(db, token, kind="staff", now=VISIT + timedelta(minutes=88, seconds=1))
