"""Data checks for 0020_forward_requests: an existing request keeps its row with no details;
a forwarding request stores sealed details after the upgrade; on the way down a pending
forwarding request is withdrawn and the others keep their state."""

from __future__ import annotations

from sqlalchemy import Connection, text

from tests.migrations.data.rows import AT, SEALED, add_case, add_supervisor

_VALUES = {"t": True, "f": False, "blob": SEALED, "at": AT}
_REQUEST = (
    "INSERT INTO approval_requests (id, action, case_id, requested_by, requester_role, reason,"
    " state, created_at, expires_at) VALUES (:id, :action, 191, 190, 'supervisor',"
    " 'legal_duty', 'pending', :at, :at)"
)


def before_upgrade(connection: Connection) -> None:
    add_supervisor(connection, 190, "verifikator19")
    add_case(connection, 191, "SPD-FWDR191")
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
    assert sealed.scalar() == SEALED


def after_downgrade(connection: Connection) -> None:
    rows: dict[int, str] = dict(
        connection.execute(text("SELECT id, state FROM approval_requests")).all()
    )
    assert rows == {192: "pending", 193: "withdrawn"}
