"""The day queue: a reporter's events never sit between staff events timed to the second.

Reporter events wait, sealed, until their day is over; the seal step appends them, shuffled,
after every staff row of that day. Editing, forging or deleting a queued event is caught.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, inspect, select, update
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.day_queue import (
    AuditQueueError,
    has_due_days,
    pending_by_day,
    seal_days,
    verify_queue,
)
from sipadu.audit.models import AuditEvent, AuditQueueEntry, AuditQueueState
from sipadu.audit.service import QueuedEvent, export_rows, record_event, verify_chain

DAY = date(2025, 3, 4)  # a day that is over whenever the tests run
NEXT_DAY = DAY + timedelta(days=1)


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 3, 4, hour, minute, second, tzinfo=UTC)


def _busy_day(app: Flask, db: Session) -> None:
    """Staff and reporter actions interleaved through one day."""
    key = _key(app)
    record_event(db, key, "staff:login", actor="staff:1", now=_at(8, 0, 5))
    record_event(
        db,
        key,
        "case:submitted",
        actor="reporter",
        case_code="SPD-7K3Q9M",
        detail={"category": "pungli"},
        now=_at(8, 0, 30),
    )
    record_event(db, key, "case:viewed", actor="staff:1", case_code="SPD-7K3Q9M", now=_at(8, 1))
    record_event(
        db, key, "reporter:login", actor="reporter", case_code="SPD-7K3Q9M", now=_at(13, 12, 9)
    )
    record_event(
        db, key, "message:sent", actor="reporter", case_code="SPD-7K3Q9M", now=_at(13, 12, 40)
    )
    record_event(db, key, "case:viewed", actor="staff:2", case_code="SPD-7K3Q9M", now=_at(13, 13))
    record_event(
        db,
        key,
        "notification:sent",
        actor="system",
        detail={"target": 1, "events": 1},
        now=_at(13, 15),
    )
    db.commit()


def _chain(db: Session) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_reporter_events_wait_until_their_day_is_sealed(app: Flask, db: Session) -> None:
    _busy_day(app, db)
    # During the day the chain holds the staff rows only: nothing places a reporter action.
    assert [row.actor for row in _chain(db)] == ["staff:1", "staff:1", "staff:2"]
    assert pending_by_day(db) == {DAY: 4}
    assert seal_days(db, _key(app), before=DAY).events == 0  # the day is not over yet
    assert not has_due_days(db, before=DAY) and has_due_days(db, before=NEXT_DAY)
    # A staff action the next morning, before the seal, still comes first.
    record_event(
        db, _key(app), "case:viewed", actor="staff:3", now=_at(23, 59) + timedelta(minutes=5)
    )
    report = seal_days(db, _key(app), before=NEXT_DAY)
    db.commit()
    assert (report.days, report.events) == ([DAY], 4)
    rows = _chain(db)
    assert [row.actor for row in rows[:4]] == ["staff:1", "staff:1", "staff:2", "staff:3"]
    sealed = rows[4:]
    assert {row.tag for row in sealed} == {
        "case:submitted",
        "reporter:login",
        "message:sent",
        "notification:sent",
    }
    # Each carries its day and nothing finer.
    assert {row.occurred_at.replace(tzinfo=None) for row in sealed} == {datetime(2025, 3, 4)}
    assert verify_chain(db, _key(app)).ok
    queue = verify_queue(db, _key(app))
    assert queue.ok and queue.pending == 0
    assert [row["seq"] for row in export_rows(db)] == [row.seq for row in rows]


def test_record_event_tells_a_queued_event(app: Flask, db: Session) -> None:
    queued = record_event(
        db,
        _key(app),
        "reporter:login",
        actor="reporter",
        case_code="SPD-7K3Q9M",
        now=_at(9, 41, 17),
    )
    assert queued == QueuedEvent(DAY, "reporter:login", "reporter", "SPD-7K3Q9M", "success", "{}")


def test_a_queue_row_holds_no_time_order_or_content(app: Flask, db: Session) -> None:
    _busy_day(app, db)
    columns = {column["name"] for column in inspect(db.connection()).get_columns("audit_queue")}
    assert columns == {"id", "day", "sealed"}
    rows = list(db.scalars(select(AuditQueueEntry)))
    assert {row.day for row in rows} == {DAY}
    for row in rows:
        assert len(row.id) == 32 and int(row.id, 16) >= 0  # random, not a counter
        for visible in (b"SPD-7K3Q9M", b"reporter", b"case:", b"message", b"pungli"):
            assert visible not in bytes(row.sealed)


def test_each_day_is_shuffled(app: Flask, db: Session) -> None:
    for number in range(10):
        record_event(
            db,
            _key(app),
            "attachment:added",
            actor="reporter",
            case_code="SPD-7K3Q9M",
            detail={"n": number},
            now=_at(10, number),
        )
    seal_days(db, _key(app), before=NEXT_DAY)
    db.commit()
    order = [row.detail for row in _chain(db)]
    assert sorted(order) == sorted(f'{{"n":{n}}}' for n in range(10))
    # The chance that a uniform shuffle of 10 keeps the queue order is 1 in 3,628,800.
    assert order != [f'{{"n":{n}}}' for n in range(10)]


def test_days_are_sealed_oldest_first(app: Flask, db: Session) -> None:
    for day in (date(2025, 3, 3), date(2025, 3, 1)):
        record_event(
            db,
            _key(app),
            "reporter:login",
            actor="reporter",
            now=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9),
        )
    report = seal_days(db, _key(app), before=DAY)
    db.commit()
    assert report.days == [date(2025, 3, 1), date(2025, 3, 3)]
    assert [row.occurred_at.day for row in _chain(db)] == [1, 3]


def _tamper_sealed(db: Session) -> None:
    entry = db.scalars(select(AuditQueueEntry)).first()
    assert entry is not None
    blob = bytearray(entry.sealed)
    blob[-1] ^= 1
    entry.sealed = bytes(blob)


def _move_to_other_day(db: Session) -> None:
    db.execute(
        update(AuditQueueEntry)
        .where(AuditQueueEntry.id == db.scalars(select(AuditQueueEntry.id)).first())
        .values(day=DAY - timedelta(days=1))
    )


def _delete_one(db: Session) -> None:
    db.execute(
        delete(AuditQueueEntry).where(
            AuditQueueEntry.id == db.scalars(select(AuditQueueEntry.id)).first()
        )
    )


def _forge_count(db: Session) -> None:
    db.execute(update(AuditQueueState).values(pending=AuditQueueState.pending - 1))
    _delete_one(db)


@pytest.mark.parametrize("tamper", [_tamper_sealed, _move_to_other_day, _delete_one, _forge_count])
def test_tampering_with_the_queue_is_caught(app: Flask, db: Session, tamper: object) -> None:
    _busy_day(app, db)
    assert verify_queue(db, _key(app)).ok
    tamper(db)  # type: ignore[operator]
    db.commit()
    report = verify_queue(db, _key(app))
    assert not report.ok and report.problem
    with pytest.raises(AuditQueueError):
        seal_days(db, _key(app), before=NEXT_DAY)
    db.rollback()
    assert len(_chain(db)) == 3  # nothing of a tampered queue reaches the chain


def test_a_forged_count_is_not_signed_by_the_next_event(app: Flask, db: Session) -> None:
    _busy_day(app, db)
    _forge_count(db)
    db.commit()
    record_event(db, _key(app), "reporter:login", actor="reporter", now=_at(15))
    db.commit()
    assert not verify_queue(db, _key(app)).ok


def test_queue_needs_the_audit_key(app: Flask, db: Session) -> None:
    _busy_day(app, db)
    assert not verify_queue(db, b"\x01" * 32).ok


def test_seal_day_and_verify_commands(app: Flask, db: Session) -> None:
    _busy_day(app, db)
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["audit", "verify", "--quiet"])
    assert verified.exit_code == 0 and "4 reporter events of finished days" in verified.output
    sealed = runner.invoke(args=["audit", "seal-day"])
    assert sealed.exit_code == 0 and "Sealed 4 reporter events" in sealed.output
    assert "2025-03-04" in sealed.output
    db.expire_all()
    assert len(_chain(db)) == 7 and pending_by_day(db) == {}


def test_verify_and_seal_day_fail_on_a_deleted_queued_event(app: Flask, db: Session) -> None:
    _busy_day(app, db)
    _delete_one(db)
    db.commit()
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["audit", "verify", "--quiet"])
    assert verified.exit_code == 1 and "queue" in verified.output
    assert "3 events but its count row records 4" in verified.output
    sealed = runner.invoke(args=["audit", "seal-day"])
    assert sealed.exit_code == 1 and "Nothing sealed" in sealed.output
    db.expire_all()
    assert len(_chain(db)) == 3
