"""Data checks for 0023_held_forms: a live staff session keeps its row and holds no form after
the upgrade; a held form is stored; on the way down the session stays, the held form goes."""

from __future__ import annotations

from sqlalchemy import Connection, text

from tests.migrations.data.rows import AT, SEALED, add_supervisor

_VALUES = {"t": True, "blob": SEALED, "at": AT}
_ID_HASH = "a" * 64


def before_upgrade(connection: Connection) -> None:
    add_supervisor(connection, 210, "verifikator21")
    connection.execute(
        text(
            "INSERT INTO auth_sessions (id_hash, kind, staff_id, payload, channel, created_at,"
            " last_seen_at, expires_at, generation) VALUES (:id_hash, 'staff', 210, :blob,"
            " 'web', :at, :at, :at, 0)"
        ),
        {**_VALUES, "id_hash": _ID_HASH},
    )


def after_upgrade(connection: Connection) -> None:
    query = "SELECT payload, held_form FROM auth_sessions WHERE id_hash = :id_hash"
    row = connection.execute(text(query), {"id_hash": _ID_HASH}).one()
    assert (bytes(row[0]), row[1]) == (SEALED, None)
    connection.execute(
        text("UPDATE auth_sessions SET held_form = :blob WHERE id_hash = :id_hash"),
        {**_VALUES, "id_hash": _ID_HASH},
    )


def before_downgrade(connection: Connection) -> None:
    query = "SELECT held_form FROM auth_sessions WHERE id_hash = :id_hash"
    assert bytes(connection.execute(text(query), {"id_hash": _ID_HASH}).scalar_one()) == SEALED


def after_downgrade(connection: Connection) -> None:
    query = "SELECT payload FROM auth_sessions WHERE id_hash = :id_hash"
    assert bytes(connection.execute(text(query), {"id_hash": _ID_HASH}).scalar_one()) == SEALED
    connection.execute(
        text("DELETE FROM auth_sessions WHERE id_hash = :id_hash"), _VALUES | {"id_hash": _ID_HASH}
    )
    connection.execute(text("DELETE FROM staff_accounts WHERE id = 210"))
