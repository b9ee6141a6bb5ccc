"""Data checks for 0009_domain_checks: every row survives the table rebuilds both ways
(foreign keys off on SQLite, so rebuilding ``cases`` cascades into nothing), the stored
strings are unchanged, a value outside the domain is refused after the upgrade and admitted
again after the downgrade."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

_AT = "2026-11-01 00:00:00"
_ROWS = {
    "staff_accounts": (
        "INSERT INTO staff_accounts (id, username, role, active, password_hash, public_key,"
        " wrapped_private_key, totp_confirmed, failed_logins, created_at, password_changed_at)"
        " VALUES (91, 'domain', 'investigator', :t, 'h', :blob, :blob, :t, 0, :at, :at)"
    ),
    "cases": (
        "INSERT INTO cases (id, code, category, status, outcome, received_on, objection_used,"
        " report_sealed, reporter_key_record, updated_at) VALUES (91, 'SPD-DOMAIN1', 'pungli',"
        " 'selesai', 'tidak_terbukti', '2026-11-01', :f, :blob, :blob, :at)"
    ),
    "case_grants": (
        "INSERT INTO case_grants (id, case_id, staff_id, reason, wrapped_dek, created_at)"
        " VALUES (91, 91, 91, 'assignment', :blob, :at)"
    ),
    "case_messages": (
        "INSERT INTO case_messages (id, case_id, author_kind, internal, body_sealed, created_on)"
        " VALUES (91, 91, 'reporter', :f, :blob, '2026-11-01')"
    ),
    "timeline_entries": (
        "INSERT INTO timeline_entries (id, case_id, kind, status, created_on)"
        " VALUES (91, 91, 'status', 'investigasi', '2026-11-01')"
    ),
    "attachments": (
        "INSERT INTO attachments (id, case_id, blob_id, file_key_sealed, meta_sealed,"
        " uploaded_by, created_on) VALUES (91, 91, 'cd91', :blob, :blob, 'reporter', '2026-11-01')"
    ),
    "auth_sessions": (
        "INSERT INTO auth_sessions (id_hash, kind, staff_id, payload, channel, created_at,"
        " last_seen_at, expires_at, generation) VALUES ('s91', 'staff', 91, :blob, 'api', :at,"
        " :at, :at, 0)"
    ),
    "pending_notifications": (
        "INSERT INTO pending_notifications (id, staff_id, kind, created_at)"
        " VALUES (91, 91, 'reporter_reply', :at)"
    ),
}
_STORED = {
    "staff_accounts": ("role", "investigator"),
    "cases": ("category", "pungli"),
    "case_grants": ("reason", "assignment"),
    "case_messages": ("author_kind", "reporter"),
    "timeline_entries": ("status", "investigasi"),
    "attachments": ("uploaded_by", "reporter"),
    "auth_sessions": ("channel", "api"),
    "pending_notifications": ("kind", "reporter_reply"),
}
_OUTSIDE = "UPDATE cases SET status = 'ditutup' WHERE id = 91"


def _rows_unchanged(connection: Connection) -> None:
    for table, (column, value) in _STORED.items():
        stored = connection.execute(text(f"SELECT {column} FROM {table}")).scalars().all()  # noqa: S608
        assert stored == [value], table


def before_upgrade(connection: Connection) -> None:
    for statement in _ROWS.values():
        connection.execute(text(statement), {"t": True, "f": False, "blob": b"x" * 32, "at": _AT})


def after_upgrade(connection: Connection) -> None:
    _rows_unchanged(connection)
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(text(_OUTSIDE))


def before_downgrade(connection: Connection) -> None:
    _rows_unchanged(connection)


def after_downgrade(connection: Connection) -> None:
    _rows_unchanged(connection)
    connection.execute(text(_OUTSIDE))
    for table in reversed(_ROWS):
        connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608
