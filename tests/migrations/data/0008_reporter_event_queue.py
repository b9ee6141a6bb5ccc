"""Data checks for 0008_reporter_event_queue.

The queue's count row and the console's checkpoint are seeded unsigned (no key in a migration)."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text


def before_upgrade(connection: Connection) -> None:
    assert "audit_queue" not in inspect(connection).get_table_names()


def after_upgrade(connection: Connection) -> None:
    rows = connection.execute(
        text("SELECT id, pending, queued_total, hmac FROM audit_queue_state")
    ).all()
    assert [tuple(row) for row in rows] == [(1, 0, 0, "")]
    checkpoint = connection.execute(text("SELECT id, seq, hash, hmac FROM audit_checkpoint"))
    assert [tuple(row) for row in checkpoint] == [(1, 0, "0" * 64, "")]


def before_downgrade(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO audit_queue (id, day, sealed) VALUES "
            "('0123456789abcdef0123456789abcdef', '2026-12-07', :blob)"
        ),
        {"blob": b"\x00" * 40},
    )


def after_downgrade(connection: Connection) -> None:
    tables = set(inspect(connection).get_table_names())
    assert not {"audit_queue", "audit_queue_state", "audit_checkpoint"} & tables
