"""Data checks for 0019_deadline_reminders: queued notifications stay; the reminder kinds are
refused before the upgrade and admitted after it; the downgrade deletes queued reminders and
keeps the other rows."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

_AT = "2026-11-01 00:00:00"
_ACCOUNT = (
    "INSERT INTO staff_accounts (id, username, role, active, password_hash, public_key,"
    " wrapped_private_key, totp_confirmed, failed_logins, created_at, password_changed_at)"
    " VALUES (161, 'pengingat', 'supervisor', :t, 'h', :blob, :blob, :t, 0, :at, :at)"
)
_QUEUE = "INSERT INTO pending_notifications (staff_id, kind, created_at) VALUES (161, :kind, :at)"


def _queue(connection: Connection, kind: str) -> None:
    connection.execute(text(_QUEUE), {"kind": kind, "at": _AT})


def _kinds(connection: Connection) -> list[str]:
    query = "SELECT kind FROM pending_notifications WHERE staff_id = 161 ORDER BY id"
    return list(connection.execute(text(query)).scalars())


def before_upgrade(connection: Connection) -> None:
    connection.execute(text(_ACCOUNT), {"t": True, "blob": b"x" * 32, "at": _AT})
    _queue(connection, "new_case")
    with pytest.raises(IntegrityError), connection.begin_nested():
        _queue(connection, "overdue")


def after_upgrade(connection: Connection) -> None:
    assert _kinds(connection) == ["new_case"]
    _queue(connection, "due_soon")
    _queue(connection, "overdue")
    with pytest.raises(IntegrityError), connection.begin_nested():
        _queue(connection, "late")


def before_downgrade(connection: Connection) -> None:
    assert _kinds(connection) == ["new_case", "due_soon", "overdue"]


def after_downgrade(connection: Connection) -> None:
    assert _kinds(connection) == ["new_case"]
    connection.execute(text("DELETE FROM pending_notifications WHERE staff_id = 161"))
    connection.execute(text("DELETE FROM staff_accounts WHERE id = 161"))
