"""Data checks for 0017_export_reasons: an export request keeps its identity-list reason
through the upgrade; the new export reasons are admitted after it and unknown ones still
refused; on the way down a new reason becomes ``legal``."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from tests.migrations.data.rows import AT, SEALED, add_case, add_supervisor

_VALUES = {"t": True, "f": False, "blob": SEALED, "at": AT}
_REQUEST = (
    "INSERT INTO approval_requests (id, action, case_id, requested_by, requester_role, reason,"
    " scope, state, created_at, expires_at) VALUES (:id, 'export_case', 171, 170, 'supervisor',"
    " :reason, 'full', 'pending', :at, :at)"
)


def before_upgrade(connection: Connection) -> None:
    add_supervisor(connection, 170, "verifikator17")
    add_case(connection, 171, "SPD-EXPR171")
    connection.execute(text(_REQUEST), {**_VALUES, "id": 172, "reason": "witness"})
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(text(_REQUEST), {**_VALUES, "id": 173, "reason": "to_kpk"})


def after_upgrade(connection: Connection) -> None:
    kept = connection.execute(text("SELECT reason FROM approval_requests WHERE id = 172"))
    assert kept.scalar() == "witness"
    connection.execute(text(_REQUEST), {**_VALUES, "id": 173, "reason": "to_kpk"})
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(text(_REQUEST), {**_VALUES, "id": 174, "reason": "interpol"})


def before_downgrade(connection: Connection) -> None:
    reason = connection.execute(text("SELECT reason FROM approval_requests WHERE id = 173"))
    assert reason.scalar() == "to_kpk"


def after_downgrade(connection: Connection) -> None:
    rows: dict[int, str] = dict(
        connection.execute(text("SELECT id, reason FROM approval_requests")).all()
    )
    assert rows == {172: "witness", 173: "legal"}
