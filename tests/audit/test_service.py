"""The audit chain: events land in the caller's transaction, and any edit, deletion,
insertion, reordering or truncation is caught and the first bad row named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.day_queue import seal_days
from sipadu.audit.models import AuditEvent, AuditHead
from sipadu.audit.service import (
    AuditEventError,
    canonical_row,
    chain_hash,
    record_event,
    verify_chain,
)
from sipadu.db import make_engine
from tests.support.instance import Database


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _fill(app: Flask, db: Session, count: int = 5) -> None:
    for number in range(count):
        record_event(
            db,
            _key(app),
            "case:viewed",
            actor=f"staff:{number + 1}",
            case_code="SPD-7K3Q9M",
            detail={"status": "verifikasi"},
        )
    db.commit()


def test_intact_chain_verifies(app: Flask, db: Session) -> None:
    _fill(app, db)
    report = verify_chain(db, _key(app))
    assert report.ok and report.rows_checked == 5


def test_empty_chain_verifies(app: Flask, db: Session) -> None:
    assert verify_chain(db, _key(app)).rows_checked == 0


def test_event_rolls_back_with_the_action(app: Flask, db: Session) -> None:
    _fill(app, db, 2)
    record_event(db, _key(app), "case:viewed", actor="staff:1")
    db.rollback()
    assert db.scalar(select(AuditHead.seq)) == 2
    assert verify_chain(db, _key(app)).ok


def test_reporter_events_keep_only_the_day(app: Flask, db: Session) -> None:
    moment = datetime(2026, 5, 17, 14, 33, 21, tzinfo=UTC)
    record_event(
        db, _key(app), "case:submitted", actor="reporter", case_code="SPD-7K3Q9M", now=moment
    )
    staff = record_event(db, _key(app), "case:viewed", actor="staff:3", now=moment)
    seal_days(db, _key(app), before=date(2026, 5, 18))
    db.commit()
    reporter = db.scalars(select(AuditEvent).where(AuditEvent.actor == "reporter")).one()
    assert (reporter.occurred_at.hour, reporter.occurred_at.minute) == (0, 0)
    assert isinstance(staff, AuditEvent)
    assert (staff.occurred_at.hour, staff.occurred_at.minute) == (14, 33)


@pytest.mark.parametrize(
    "bad",
    [
        {"tag": "viewed"},
        {"tag": "case:viewed; drop"},
        {"actor": "reporter 10.0.0.1"},
        {"actor": "Mozilla/5.0"},
        {"outcome": "maybe"},
        {"case_code": "spd 1"},
        {"detail": {"body": "the mayor took a bribe"}},
        {"detail": {"Bad Key": "x"}},
        {"detail": {"nested": ["x"]}},
    ],
)
def test_events_refuse_free_text(app: Flask, db: Session, bad: dict[str, object]) -> None:
    fields: dict[str, object] = {"tag": "case:viewed", "actor": "staff:1", "outcome": "success"}
    fields.update(bad)
    tag = fields.pop("tag")
    with pytest.raises(AuditEventError):
        record_event(db, _key(app), tag, **fields)  # type: ignore[arg-type]


def _execute(db: Session, sql: str, **params: object) -> None:
    db.execute(text(sql), params)
    db.commit()


def _bad_row(app: Flask, db: Session) -> int | None:
    db.expire_all()
    report = verify_chain(db, _key(app))
    assert not report.ok
    return report.first_bad_seq


def test_edited_row_is_named(app: Flask, db: Session) -> None:
    _fill(app, db)
    _execute(db, "UPDATE audit_events SET actor = 'staff:99' WHERE seq = 3")
    assert _bad_row(app, db) == 3


def test_edited_time_is_named(app: Flask, db: Session) -> None:
    _fill(app, db)
    _execute(
        db,
        "UPDATE audit_events SET occurred_at = :t WHERE seq = 2",
        t=datetime(2020, 1, 1, tzinfo=UTC),
    )
    assert _bad_row(app, db) == 2


def test_deleted_row_is_named(app: Flask, db: Session) -> None:
    _fill(app, db)
    _execute(db, "DELETE FROM audit_events WHERE seq = 2")
    assert _bad_row(app, db) == 3


def test_truncated_tail_is_caught(app: Flask, db: Session) -> None:
    _fill(app, db)
    _execute(db, "DELETE FROM audit_events WHERE seq = 5")
    assert _bad_row(app, db) == 5


def test_swapped_rows_are_caught(app: Flask, db: Session) -> None:
    """Rows 2 and 4 trade places: every field but the sequence number is exchanged."""
    _fill(app, db)
    rows = {
        row.seq: (row.actor, row.prev_hash, row.hash, row.hmac)
        for row in db.scalars(select(AuditEvent))
    }
    update = "UPDATE audit_events SET actor=:a, prev_hash=:p, hash=:h, hmac=:m WHERE seq=:s"
    _execute(db, "UPDATE audit_events SET hash = :h WHERE seq = 2", h="f" * 64)
    for target, (actor, prev_hash, row_hash, mac) in ((4, rows[2]), (2, rows[4])):
        _execute(db, update, a=actor, p=prev_hash, h=row_hash, m=mac, s=target)
    assert _bad_row(app, db) == 2


def test_renumbered_rows_are_caught(app: Flask, db: Session) -> None:
    _fill(app, db)
    _execute(db, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
    _execute(db, "UPDATE audit_events SET seq = 2 WHERE seq = 4")
    _execute(db, "UPDATE audit_events SET seq = 4 WHERE seq = 100")
    assert _bad_row(app, db) == 2


def test_inserted_row_without_the_key_is_caught(app: Flask, db: Session) -> None:
    """An attacker who rebuilds the hash chain still cannot forge the HMACs."""
    _fill(app, db, 3)
    last = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last is not None
    when = datetime(2026, 1, 1, tzinfo=UTC)
    canonical = canonical_row(4, when, "case:viewed", "staff:1", None, "success", "{}")
    forged_hash = chain_hash(last.hash, canonical)
    db.add(
        AuditEvent(
            seq=4,
            occurred_at=when,
            tag="case:viewed",
            actor="staff:1",
            case_code=None,
            outcome="success",
            detail="{}",
            prev_hash=last.hash,
            hash=forged_hash,
            hmac="0" * 64,
        )
    )
    head = db.get(AuditHead, 1)
    assert head is not None
    head.seq, head.hash = 4, forged_hash
    db.commit()
    assert _bad_row(app, db) == 4


def test_rewritten_chain_fails_on_hmac(app: Flask, db: Session) -> None:
    _fill(app, db, 3)
    row = db.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
    row.actor = "staff:42"
    row.hash = chain_hash(
        row.prev_hash,
        canonical_row(
            row.seq, row.occurred_at, row.tag, row.actor, row.case_code, row.outcome, row.detail
        ),
    )
    db.commit()
    assert _bad_row(app, db) == 2


def test_edited_head_is_caught(app: Flask, db: Session) -> None:
    _fill(app, db, 3)
    _execute(db, "DELETE FROM audit_events WHERE seq = 3")
    _execute(
        db, "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_events WHERE seq = 2)"
    )
    assert _bad_row(app, db) == 2


def test_an_append_during_the_walk_is_not_a_truncation(
    app: Flask, db: Session, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a writer may commit between the walk's read and the head's: the walk
    catches up with the new rows instead of reporting the chain truncated."""
    if database.url.startswith("sqlite"):
        pytest.skip("SQLite's verifying transaction holds the write lock: no append can land")
    _fill(app, db, 3)
    import sipadu.audit.service as service

    original = service._walk
    appended: list[int] = []

    def walk_then_append(*args: object, **kwargs: object) -> object:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        if not appended:
            engine = make_engine(database.url, database.schema)
            with Session(engine) as other:
                record_event(other, _key(app), "case:viewed", actor="staff:9")
                other.commit()
            engine.dispose()
            appended.append(1)
        return result

    monkeypatch.setattr(service, "_walk", walk_then_append)
    db.rollback()
    report = verify_chain(db, _key(app))
    assert appended and report.ok, report.problem
    assert report.rows_checked == 4
