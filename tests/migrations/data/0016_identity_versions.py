"""Data checks for 0016_identity_versions: a case holding an identity starts at version 1
and one without at 0; a decided identity request names version 1, a pending one none; an
earlier version can be kept for its reader; the downgrade drops the columns and the table
and keeps the case and the request."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

_AT = "2026-11-01 00:00:00"
_VALUES = {"t": True, "f": False, "blob": b"x" * 32, "at": _AT}
_CASE = (
    "INSERT INTO cases (id, code, category, status, received_on, objection_used,"
    " report_sealed, identity_sealed, identity_custodial, reporter_key_record, updated_at)"
    " VALUES (:id, :code, 'pungli', 'verifikasi', '2026-11-01', :f, :blob, :identity, :t,"
    " :blob, :at)"
)
_REQUEST = (
    "INSERT INTO approval_requests (id, action, case_id, requested_by, requester_role, reason,"
    " state, created_at, expires_at, decided_at) VALUES (:id, 'open_identity', 161, 160,"
    " 'investigator', 'witness', :state, :at, :at, :decided)"
)


def before_upgrade(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO staff_accounts (id, username, role, active, password_hash, public_key,"
            " wrapped_private_key, totp_confirmed, failed_logins, created_at,"
            " password_changed_at) VALUES (160, 'pemeriksa16', 'investigator', :t, 'h', :blob,"
            " :blob, :t, 0, :at, :at)"
        ),
        _VALUES,
    )
    for case_id, identity in ((161, b"i" * 32), (162, None)):
        connection.execute(
            text(_CASE),
            {**_VALUES, "id": case_id, "code": f"SPD-VERS{case_id}", "identity": identity},
        )
    connection.execute(text(_REQUEST), {**_VALUES, "id": 163, "state": "approved", "decided": _AT})
    connection.execute(text(_REQUEST), {**_VALUES, "id": 164, "state": "pending", "decided": None})


def after_upgrade(connection: Connection) -> None:
    versions: dict[int, int | None] = dict(
        connection.execute(text("SELECT id, identity_version FROM cases")).all()
    )
    assert (versions[161], versions[162]) == (1, 0)
    requests: dict[int, int | None] = dict(
        connection.execute(text("SELECT id, identity_version FROM approval_requests")).all()
    )
    assert (requests[163], requests[164]) == (1, None)
    connection.execute(
        text(
            "INSERT INTO identity_version_reads (case_id, staff_id, identity_version,"
            " identity_sealed, wrapped_key, expires_at) VALUES (161, 160, 1, :blob, :blob, :at)"
        ),
        _VALUES,
    )


def before_downgrade(connection: Connection) -> None:
    count = connection.execute(text("SELECT COUNT(*) FROM identity_version_reads")).scalar()
    assert count == 1


def after_downgrade(connection: Connection) -> None:
    inspector = inspect(connection)
    assert "identity_version_reads" not in inspector.get_table_names()
    for table in ("cases", "approval_requests"):
        assert "identity_version" not in {c["name"] for c in inspector.get_columns(table)}
    assert connection.execute(text("SELECT COUNT(*) FROM approval_requests")).scalar() == 2
    sealed = connection.execute(text("SELECT identity_sealed FROM cases WHERE id = 161")).one()
    assert bytes(sealed[0]) == b"i" * 32
