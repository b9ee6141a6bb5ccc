"""Data checks for 0010_units: a database with a case and its supervisors' grants is
upgraded; every grant stays byte for byte and still opens with its holder's key, the
supervisors have no unit (the head unit: they keep receiving every case), the seed is there
with one routing rule per kota. The downgrade drops units and keeps the case and grants."""

from __future__ import annotations

from sqlalchemy import Connection, text

from sipadu.crypto import envelope, grants

_AT = "2026-11-01 00:00:00"
_CODE = "SPD-UNITS1"
_DEK = envelope.new_data_key()
_KEYS = {id_: grants.generate_keypair() for id_ in (81, 82)}  # (private, public)
_GRANTS: dict[int, bytes] = {}


def _grants(connection: Connection) -> dict[int, bytes]:
    rows = connection.execute(text("SELECT staff_id, wrapped_dek FROM case_grants"))
    return {staff_id: bytes(wrapped) for staff_id, wrapped in rows}


def _grants_open(connection: Connection) -> None:
    stored = _grants(connection)
    assert stored == _GRANTS
    for staff_id, wrapped in stored.items():
        assert grants.unwrap_grant(wrapped, _KEYS[staff_id][0], case_id=_CODE) == _DEK


def before_upgrade(connection: Connection) -> None:
    for staff_id, (_, public) in _KEYS.items():
        connection.execute(
            text(
                "INSERT INTO staff_accounts (id, username, role, active, password_hash,"
                " public_key, wrapped_private_key, totp_confirmed, failed_logins, created_at,"
                " password_changed_at, activation_approved_at) VALUES (:id, :name,"
                " 'supervisor', :t, 'h', :public, :blob, :t, 0, :at, :at, :at)"
            ),
            {
                "id": staff_id,
                "name": f"sup{staff_id}",
                "t": True,
                "public": public,
                "blob": b"x" * 32,
                "at": _AT,
            },
        )
    connection.execute(
        text(
            "INSERT INTO cases (id, code, category, status, received_on, objection_used,"
            " report_sealed, reporter_key_record, updated_at) VALUES (81, :code, 'pungli',"
            " 'diterima', '2026-11-01', :f, :blob, :blob, :at)"
        ),
        {"code": _CODE, "f": False, "blob": b"x" * 32, "at": _AT},
    )
    for staff_id, (_, public) in _KEYS.items():
        wrapped = grants.wrap_for_recipient(_DEK, public, case_id=_CODE)
        _GRANTS[staff_id] = wrapped
        connection.execute(
            text(
                "INSERT INTO case_grants (case_id, staff_id, reason, wrapped_dek, created_at)"
                " VALUES (81, :staff, 'supervisor', :wrapped, :at)"
            ),
            {"staff": staff_id, "wrapped": wrapped, "at": _AT},
        )


def after_upgrade(connection: Connection) -> None:
    _grants_open(connection)
    units = connection.execute(text("SELECT code, is_head FROM units ORDER BY code")).all()
    assert [code for code, head in units if head] == ["inspektur"]
    assert len(units) == 7
    rules = connection.execute(
        text(
            "SELECT r.kota_code, u.code FROM routing_rules r JOIN units u ON u.id = r.unit_id"
            " ORDER BY r.kota_code"
        )
    ).all()
    assert [tuple(rule) for rule in rules][:2] == [
        ("31.01", "irban-kepseribu"),
        ("31.71", "irban-jakpus"),
    ]
    assert len(rules) == 6
    agencies = connection.execute(text("SELECT code, active, unit_id FROM agencies")).all()
    assert ("disdik", True, None) in [tuple(a) for a in agencies] and len(agencies) == 24
    members = connection.execute(text("SELECT unit_id FROM staff_accounts")).scalars().all()
    assert members == [None, None]
    case = connection.execute(text("SELECT unit, area_kota, intake_channel FROM cases")).one()
    assert tuple(case) == (None, None, None)
    _intake_officer(connection)  # the role CHECK admits the new role


def _intake_officer(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO staff_accounts (id, username, role, active, password_hash, public_key,"
            " wrapped_private_key, totp_confirmed, failed_logins, created_at,"
            " password_changed_at) VALUES (83, 'loket', 'intake_officer', :t, 'h', :blob,"
            " :blob, :t, 0, :at, :at)"
        ),
        {"t": True, "blob": b"x" * 32, "at": _AT},
    )


def before_downgrade(connection: Connection) -> None:
    connection.execute(text("UPDATE cases SET intake_channel = 'surat'"))
    connection.execute(
        text(
            "UPDATE staff_accounts SET unit_id = (SELECT id FROM units WHERE code ="
            " 'irban-jakpus') WHERE id = 82"
        )
    )
    connection.execute(text("UPDATE cases SET unit = 'irban-jakpus', area_kota = '31.71'"))


def after_downgrade(connection: Connection) -> None:
    _grants_open(connection)
    roles = connection.execute(text("SELECT role FROM staff_accounts")).scalars().all()
    assert sorted(roles) == ["supervisor", "supervisor"]
    assert connection.execute(text("SELECT unit FROM cases")).scalar_one() == "irban-jakpus"
    for table in ("case_grants", "cases", "staff_accounts"):
        connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608
