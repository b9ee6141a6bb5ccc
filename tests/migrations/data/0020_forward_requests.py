"""Data checks for 0020_forward_requests: an existing request keeps its row with no details;
a forwarding request stores sealed details after the upgrade; on the way down a pending
forwarding request is withdrawn and the others keep their state."""

from __future__ import annotations

from sqlalchemy import Connection, text

_AT = "2026-11-01 00:00:00"
_VALUES = {"t": True, "f": False, "blob": b"x" * 32, "at": _AT}
_REQUEST = (
    "INSERT INTO approval_requests (id, action, case_id, requested_by, requester_role, reason,"
    " state, created_at, expires_at) VALUES (:id, :action, 191, 190, 'supervisor',"
    " 'legal_duty', 'pending', :at, :at)"
)


def before_upgrade(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO staff_accounts (id, username, role, active, password_hash, public_key,"
            " wrapped_private_key, totp_confirmed, failed_logins, created_at,"
            " password_changed_at) VALUES (190, 'verifikator19', 'supervisor', :t, 'h', :blob,"
            " :blob, :t, 0, :at, :at)"
        ),
        _VALUES,
    )
    connection.execute(
        text(
            "INSERT INTO cases (id, code, category, status, received_on, objection_used,"
            " report_sealed, reporter_key_record, updated_at) VALUES (191, 'SPD-FWDR191',"
            " 'pungli', 'verifikasi', '2026-11-01', :f, :blob, :blob, :at)"
        ),
        _VALUES,
    )
    connection.execute(text(_REQUEST), {**_VALUES, "id": 192, "action": "export_case"})


def after_upgrade(connection: Connection) -> None:
    kept = connection.execute(text("SELECT details_sealed FROM approval_requests WHERE id = 192"))
    assert kept.scalar() is None
    connection.execute(text(_REQUEST), {**_VALUES, "id": 193, "action": "forward_case"})
    connection.execute(
        text("UPDATE approval_requests SET details_sealed = :blob WHERE id = 193"), _VALUES
    )


def before_downgrade(connection: Connection) -> None:
    sealed = connection.execute(text("SELECT details_sealed FROM approval_requests WHERE id = 193"))
    assert sealed.scalar() == b"x" * 32


def after_downgrade(connection: Connection) -> None:
    rows: dict[int, str] = dict(
        connection.execute(text("SELECT id, state FROM approval_requests")).all()
    )
    assert rows == {192: "pending", 193: "withdrawn"}
