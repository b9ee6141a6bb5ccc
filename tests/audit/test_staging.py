"""Events wait for their transaction's commit: what a rollback undoes is never audited, a
transaction still reads its own events, and the chain takes rows in commit order."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.day_queue import seal_days, verify_queue
from sipadu.audit.models import AuditEvent, AuditHead, AuditQueueEntry
from sipadu.audit.service import append_event, count_events, lock_head, record_event, verify_chain
from sipadu.audit.staging import staged_count
from sipadu.db import make_engine
from tests.support.instance import Database


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _tags(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEvent.tag).order_by(AuditEvent.seq)))


def test_commit_writes_the_staged_events_in_order(app: Flask, db: Session) -> None:
    before = count_events(db)
    first = record_event(db, _key(app), "case:viewed", actor="staff:1")
    record_event(db, _key(app), "case:assigned", actor="staff:1")
    assert staged_count(db) == 2
    db.commit()
    assert staged_count(db) == 0
    assert _tags(db)[before:] == ["case:viewed", "case:assigned"]
    assert isinstance(first, AuditEvent) and first.seq == before + 1
    assert verify_chain(db, _key(app)).ok


def test_a_transaction_reads_its_own_events(app: Flask, db: Session) -> None:
    before = count_events(db)
    record_event(db, _key(app), "case:viewed", actor="staff:1")
    assert count_events(db) == before + 1
    assert _tags(db)[-1] == "case:viewed"
    db.commit()
    assert count_events(db) == before + 1  # written once, not again at the commit


def test_rollback_drops_the_events(app: Flask, db: Session) -> None:
    before = count_events(db)
    record_event(db, _key(app), "case:viewed", actor="staff:1")
    record_event(db, _key(app), "case:submitted", actor="reporter", case_code="SPD-7K3Q9M")
    db.rollback()
    db.commit()
    assert count_events(db) == before
    assert db.scalars(select(AuditQueueEntry)).all() == []


def test_closing_without_commit_never_writes_them_later(app: Flask, database: Database) -> None:
    engine = make_engine(database.url, database.schema)
    try:
        with Session(engine) as session:
            before = count_events(session)
            session.commit()
            record_event(session, _key(app), "case:viewed", actor="staff:1")
            session.close()  # the request ended without a commit
            record_event(session, _key(app), "case:assigned", actor="staff:1")
            session.commit()
            assert _tags(session)[before:] == ["case:assigned"]
    finally:
        engine.dispose()


def test_a_rolled_back_savepoint_drops_only_its_own_events(app: Flask, db: Session) -> None:
    before = count_events(db)
    record_event(db, _key(app), "case:viewed", actor="staff:1")
    with db.begin_nested():
        record_event(db, _key(app), "case:assigned", actor="staff:1")  # released: kept
    savepoint = db.begin_nested()
    record_event(db, _key(app), "escrow:granted", actor="cli")
    savepoint.rollback()
    db.commit()
    assert _tags(db)[before:] == ["case:viewed", "case:assigned"]
    assert verify_chain(db, _key(app)).ok


def test_queued_reporter_events_wait_for_the_commit_too(app: Flask, db: Session) -> None:
    record_event(db, _key(app), "case:submitted", actor="reporter", case_code="SPD-7K3Q9M")
    assert staged_count(db) == 1
    db.commit()
    assert len(db.scalars(select(AuditQueueEntry)).all()) == 1
    assert verify_queue(db, _key(app)).ok


def test_rows_take_their_place_in_commit_order(app: Flask, database: Database) -> None:
    if database.backend != "postgresql":
        pytest.skip("SQLite admits one writing transaction at a time")
    engine = make_engine(database.url, database.schema)
    try:
        with Session(engine) as early, Session(engine) as late:
            record_event(early, _key(app), "case:viewed", actor="staff:1")
            record_event(late, _key(app), "case:assigned", actor="staff:2")
            late.commit()  # recorded second, committed first: no waiting on the first
            early.commit()
            assert _tags(early)[-2:] == ["case:assigned", "case:viewed"]
            assert verify_chain(early, _key(app)).ok
    finally:
        engine.dispose()


def test_a_staff_event_after_a_sealed_day_in_one_transaction_keeps_one_chain(
    app: Flask, db: Session
) -> None:
    """Sealing moves the head through the ORM, a staff event through plain statements: the
    second must start from the first's head, and the loaded head must not go stale."""
    record_event(db, _key(app), "case:submitted", actor="reporter", case_code="SPD-7K3Q9M")
    db.commit()
    before = count_events(db)
    head = db.get(AuditHead, 1)  # held, as a caller holding the head object would
    sealed = seal_days(db, _key(app), before=date(2999, 1, 1))
    staff = record_event(db, _key(app), "case:viewed", actor="staff:1")
    assert count_events(db) == before + 2  # reading the chain writes the staged event
    assert sealed.events == 1 and isinstance(staff, AuditEvent) and head is not None
    assert (head.seq, head.hash) == (staff.seq, staff.hash) == (before + 2, staff.hash)
    db.commit()
    assert verify_chain(db, _key(app)).ok


def test_a_staff_event_follows_an_unflushed_append_through_the_head_object(
    app: Flask, db: Session
) -> None:
    head = lock_head(db)
    append_event(
        db, _key(app), head, datetime.now(UTC), "audit:exported", "cli", None, "success", "{}"
    )
    record_event(db, _key(app), "case:viewed", actor="staff:1")
    db.commit()
    assert verify_chain(db, _key(app)).ok
