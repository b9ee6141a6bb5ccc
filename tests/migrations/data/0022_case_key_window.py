"""Data checks for 0022_case_key_window: a throttle row keeps its count, and its window
starts at its last failure; the downgrade keeps the row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

_AT = "2026-11-01 10:00:00"


def before_upgrade(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO case_key_throttle (code, failures, last_failure_at)"
            " VALUES ('SPD-WIN021', 7, :at)"
        ),
        {"at": _AT},
    )


def _row(connection: Connection) -> tuple[int, str]:
    query = "SELECT failures, window_started_at FROM case_key_throttle WHERE code = 'SPD-WIN021'"
    failures, started = connection.execute(text(query)).one()
    return failures, started


def after_upgrade(connection: Connection) -> None:
    failures, started = _row(connection)
    assert failures == 7
    moment = started if isinstance(started, datetime) else datetime.fromisoformat(started)
    assert moment.replace(tzinfo=None) == datetime.fromisoformat(_AT)


def before_downgrade(connection: Connection) -> None:
    assert _row(connection)[0] == 7


def after_downgrade(connection: Connection) -> None:
    query = "SELECT failures FROM case_key_throttle WHERE code = 'SPD-WIN021'"
    assert connection.execute(text(query)).scalar_one() == 7
    connection.execute(text("DELETE FROM case_key_throttle WHERE code = 'SPD-WIN021'"))
