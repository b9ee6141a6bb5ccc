"""Data checks for 0018_redactions: an existing case is untouched and starts without a
redaction; the table admits one draft and one published row per case, refuses an unknown
state; the downgrade drops the table (sealed marks nothing older reads) and keeps the case."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

_AT = "2026-11-01 00:00:00"
_ROW = (
    "INSERT INTO case_redactions (case_id, state, record_id, marks_sealed, marked_at)"
    " VALUES (86, :state, :rid, :blob, :at)"
)
_VALUES = {"blob": b"x" * 32, "rid": b"r" * 16, "at": _AT}


def before_upgrade(connection: Connection) -> None:
    assert "case_redactions" not in inspect(connection).get_table_names()
    connection.execute(
        text(
            "INSERT INTO cases (id, code, category, status, received_on, objection_used,"
            " report_sealed, reporter_key_record, updated_at) VALUES (86, 'SPD-RED0001',"
            " 'pungli', 'verifikasi', '2026-11-01', :f, :blob, :blob, :at)"
        ),
        {"f": False, **_VALUES},
    )


def after_upgrade(connection: Connection) -> None:
    assert connection.execute(text("SELECT count(*) FROM case_redactions")).scalar() == 0
    for state in ("draft", "published"):
        connection.execute(text(_ROW), {**_VALUES, "state": state})
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(text(_ROW), {**_VALUES, "state": "draft"})
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(text(_ROW), {**_VALUES, "state": "hidden"})


def before_downgrade(connection: Connection) -> None:
    assert connection.execute(text("SELECT count(*) FROM case_redactions")).scalar() == 2


def after_downgrade(connection: Connection) -> None:
    assert "case_redactions" not in inspect(connection).get_table_names()
    assert connection.execute(text("SELECT status FROM cases WHERE id = 86")).scalar() == (
        "verifikasi"
    )
