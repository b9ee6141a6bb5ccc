"""Data checks for 0015_forwarding: a case forwarded before the upgrade keeps its status and
closing day and starts with empty forwarding columns (it now waits for the outcome); the
columns refuse an unknown destination; the downgrade drops them and keeps the case."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

_AT = "2026-11-01 00:00:00"
_COLUMNS = {"forwarded_to", "forward_reference_sealed", "forward_result"}


def _columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("cases")}


def before_upgrade(connection: Connection) -> None:
    assert not _COLUMNS & _columns(connection)
    connection.execute(
        text(
            "INSERT INTO cases (id, code, category, status, received_on, closed_on,"
            " objection_used, report_sealed, reporter_key_record, updated_at) VALUES (85,"
            " 'SPD-FWD0001', 'pungli', 'diteruskan', '2026-11-01', '2026-11-03', :f, :blob,"
            " :blob, :at)"
        ),
        {"f": False, "blob": b"x" * 32, "at": _AT},
    )


def after_upgrade(connection: Connection) -> None:
    row = connection.execute(
        text("SELECT status, closed_on, forwarded_to, forward_result FROM cases WHERE id = 85")
    ).one()
    assert (row.status, str(row.closed_on), row.forwarded_to, row.forward_result) == (
        "diteruskan",
        "2026-11-03",
        None,
        None,
    )
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(text("UPDATE cases SET forwarded_to = 'interpol' WHERE id = 85"))
    connection.execute(
        text("UPDATE cases SET forwarded_to = 'lapor', forward_result = 'ditangani' WHERE id = 85")
    )


def before_downgrade(connection: Connection) -> None:
    assert connection.execute(text("SELECT forwarded_to FROM cases WHERE id = 85")).scalar() == (
        "lapor"
    )


def after_downgrade(connection: Connection) -> None:
    assert not _COLUMNS & _columns(connection)
    assert connection.execute(text("SELECT status FROM cases WHERE id = 85")).scalar() == (
        "diteruskan"
    )
