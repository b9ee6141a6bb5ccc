"""Data checks for 0011_channels: new tables only; existing cases are untouched."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

TABLES = {"service_accounts", "channel_intakes", "webhook_outbox"}


def before_upgrade(connection: Connection) -> None:
    assert not TABLES & set(inspect(connection).get_table_names())


def after_upgrade(connection: Connection) -> None:
    assert set(inspect(connection).get_table_names()) >= TABLES
    connection.execute(
        text(
            "INSERT INTO service_accounts (id, name, key_id, token_verifier, created_on) "
            "VALUES (1, 'jaki', '0123456789abcdef', :verifier, '2026-12-07')"
        ),
        {"verifier": b"\x01" * 32},
    )


def before_downgrade(connection: Connection) -> None:
    names = connection.execute(text("SELECT name FROM service_accounts")).scalars().all()
    assert list(names) == ["jaki"]


def after_downgrade(connection: Connection) -> None:
    assert not TABLES & set(inspect(connection).get_table_names())
