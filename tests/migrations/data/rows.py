"""Rows the data checks seed, as plain SQL (the models may be newer than the revision under
test). The columns named are those every revision from 0017 on has; a check of a revision
that changes ``staff_accounts`` or ``cases`` writes its own insert."""

from __future__ import annotations

from sqlalchemy import Connection, text

AT = "2026-11-01 00:00:00"
SEALED = b"x" * 32


def add_supervisor(connection: Connection, staff_id: int, username: str) -> None:
    """An active, enrolled supervisor account."""
    connection.execute(
        text(
            "INSERT INTO staff_accounts (id, username, role, active, password_hash, public_key,"
            " wrapped_private_key, totp_confirmed, failed_logins, created_at,"
            " password_changed_at) VALUES (:id, :username, 'supervisor', :t, 'h', :blob,"
            " :blob, :t, 0, :at, :at)"
        ),
        {"id": staff_id, "username": username, "t": True, "blob": SEALED, "at": AT},
    )


def add_case(connection: Connection, case_id: int, code: str) -> None:
    """A case in verification, received on 2026-11-01."""
    connection.execute(
        text(
            "INSERT INTO cases (id, code, category, status, received_on, objection_used,"
            " report_sealed, reporter_key_record, updated_at) VALUES (:id, :code,"
            " 'pungli', 'verifikasi', '2026-11-01', :f, :blob, :blob, :at)"
        ),
        {"id": case_id, "code": code, "f": False, "blob": SEALED, "at": AT},
    )
