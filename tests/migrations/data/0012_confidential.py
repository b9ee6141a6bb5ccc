"""Data checks for 0012_confidential: an identity sealed before stays as it was (not
custodial); the new role and timeline kind are admitted after the upgrade; on the way down a
custodian becomes an inactive auditor, an identity only custodians could open is dropped
with its key grants, and the reporter's "identity opened" entries and the identity
notifications go."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

_AT = "2026-11-01 00:00:00"
_ACCOUNT = (
    "INSERT INTO staff_accounts (id, username, role, active, password_hash, public_key,"
    " wrapped_private_key, totp_confirmed, failed_logins, created_at, password_changed_at)"
    " VALUES (:id, :name, :role, :t, 'h', :blob, :blob, :t, 0, :at, :at)"
)
_CASE = (
    "INSERT INTO cases (id, code, category, status, received_on, objection_used,"
    " report_sealed, identity_sealed, reporter_key_record, updated_at) VALUES (:id, :code,"
    " 'pungli', 'verifikasi', '2026-11-01', :f, :blob, :blob, :blob, :at)"
)
_VALUES = {"t": True, "f": False, "blob": b"x" * 32, "at": _AT}


def before_upgrade(connection: Connection) -> None:
    connection.execute(text(_CASE), {**_VALUES, "id": 121, "code": "SPD-LEGACY1"})
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(
            text(_ACCOUNT), {**_VALUES, "id": 120, "name": "belum", "role": "custodian"}
        )


def after_upgrade(connection: Connection) -> None:
    row = connection.execute(
        text("SELECT identity_sealed, identity_custodial FROM cases WHERE id = 121")
    ).one()
    assert bytes(row[0]) == b"x" * 32 and not row[1]
    connection.execute(
        text(_ACCOUNT), {**_VALUES, "id": 122, "name": "penjaga", "role": "custodian"}
    )


def before_downgrade(connection: Connection) -> None:
    connection.execute(text(_CASE), {**_VALUES, "id": 123, "code": "SPD-CUSTOD1"})
    connection.execute(text("UPDATE cases SET identity_custodial = :t WHERE id = 123"), _VALUES)
    connection.execute(
        text(
            "INSERT INTO identity_key_grants (case_id, staff_id, wrapped_key, created_at)"
            " VALUES (123, 122, :blob, :at)"
        ),
        _VALUES,
    )
    connection.execute(
        text(
            "INSERT INTO pending_notifications (staff_id, kind, created_at)"
            " VALUES (122, 'identity_request', :at)"
        ),
        _VALUES,
    )
    connection.execute(
        text(
            "INSERT INTO timeline_entries (id, case_id, kind, created_on)"
            " VALUES (124, 123, 'identity_opened', '2026-11-01')"
        )
    )


def after_downgrade(connection: Connection) -> None:
    kept = connection.execute(text("SELECT identity_sealed FROM cases WHERE id = 121")).one()
    assert bytes(kept[0]) == b"x" * 32  # sealed under the DEK: older code reads it
    dropped = connection.execute(text("SELECT identity_sealed FROM cases WHERE id = 123")).one()
    assert dropped[0] is None
    role, active = connection.execute(
        text("SELECT role, active FROM staff_accounts WHERE id = 122")
    ).one()
    assert role == "auditor" and not active
    kinds = connection.execute(text("SELECT kind FROM timeline_entries")).scalars().all()
    assert "identity_opened" not in kinds
    assert connection.execute(text("SELECT kind FROM pending_notifications")).all() == []
    connection.execute(text("DELETE FROM cases WHERE id IN (121, 123)"))
    connection.execute(text("DELETE FROM staff_accounts WHERE id = 122"))
