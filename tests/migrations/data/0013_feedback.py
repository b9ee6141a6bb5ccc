"""Data checks for 0013_feedback: existing cases are untouched, a rating row of a case
holds a score from 1 to 5 only, one per case, and the downgrade drops the table with its
rows while the cases stay."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

_CASE = (
    "INSERT INTO cases (id, code, category, status, received_on, objection_used,"
    " report_sealed, reporter_key_record, updated_at) VALUES (93, 'SPD-RATED1', 'pungli',"
    " 'selesai', '2026-11-01', :f, :blob, :blob, '2026-11-01 00:00:00')"
)
_RATING = (
    "INSERT INTO case_ratings (id, case_id, score, sealed, record_id, created_on)"
    " VALUES (:id, 93, :score, :blob, :record, '2026-11-20')"
)


def _rate(connection: Connection, row: int, score: int) -> None:
    with connection.begin_nested():
        connection.execute(
            text(_RATING),
            {"id": row, "score": score, "blob": b"\x01" * 40, "record": bytes([row]) * 16},
        )


def before_upgrade(connection: Connection) -> None:
    assert "case_ratings" not in inspect(connection).get_table_names()
    connection.execute(text(_CASE), {"f": False, "blob": b"\x00" * 40})


def after_upgrade(connection: Connection) -> None:
    assert connection.execute(text("SELECT code FROM cases WHERE id = 93")).scalar() == (
        "SPD-RATED1"
    )
    for score in (0, 6):
        with pytest.raises(IntegrityError):
            _rate(connection, 1, score)
    _rate(connection, 1, 4)
    with pytest.raises(IntegrityError):  # one rating per case
        _rate(connection, 2, 5)


def before_downgrade(connection: Connection) -> None:
    assert connection.execute(text("SELECT score FROM case_ratings")).scalars().all() == [4]


def after_downgrade(connection: Connection) -> None:
    assert "case_ratings" not in inspect(connection).get_table_names()
    assert connection.execute(text("SELECT count(*) FROM cases WHERE id = 93")).scalar() == 1
