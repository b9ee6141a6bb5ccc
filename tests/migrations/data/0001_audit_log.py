"""Data checks for 0001: the genesis head is seeded, and the chain survives going down a step
only as far as a first revision can (it drops the tables it created)."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from sipadu.audit.models import GENESIS_HASH


def before_upgrade(connection: Connection) -> None:
    assert "audit_events" not in inspect(connection).get_table_names()


def after_upgrade(connection: Connection) -> None:
    head = connection.execute(text("SELECT id, seq, hash, hmac FROM audit_head")).all()
    assert [tuple(row) for row in head] == [(1, 0, GENESIS_HASH, "")]


def before_downgrade(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO audit_events (seq, occurred_at, tag, actor, case_code, outcome, detail,"
            " prev_hash, hash, hmac) VALUES (1, '2026-01-01 00:00:00', 'system:initialised',"
            " 'cli', NULL, 'success', '{}', :genesis, :hash, :hmac)"
        ),
        {"genesis": GENESIS_HASH, "hash": "a" * 64, "hmac": "b" * 64},
    )


def after_downgrade(connection: Connection) -> None:
    tables = set(inspect(connection).get_table_names())
    assert not {"audit_events", "audit_head"} & tables
