"""Data checks for 0024_sealed_totp: an account's plaintext TOTP secret is left as it was by
the upgrade (sealing needs the keys, which `sipadu init` has), with nothing sealed yet; on the
way down the plaintext one stays and a sealed one goes with its column."""

from __future__ import annotations

from sqlalchemy import Connection, text

_AT = "2026-11-01 00:00:00"
_VALUES = {"t": True, "blob": b"x" * 32, "at": _AT, "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}
_SELECT = "SELECT totp_secret, totp_sealed FROM staff_accounts WHERE id = :id"


def before_upgrade(connection: Connection) -> None:
    for number in (240, 241):
        connection.execute(
            text(
                "INSERT INTO staff_accounts (id, username, role, active, password_hash,"
                " public_key, wrapped_private_key, totp_secret, totp_confirmed, failed_logins,"
                " created_at, password_changed_at) VALUES (:id, :name, 'supervisor', :t, 'h',"
                " :blob, :blob, :secret, :t, 0, :at, :at)"
            ),
            {**_VALUES, "id": number, "name": f"verifikator{number}"},
        )


def after_upgrade(connection: Connection) -> None:
    row = connection.execute(text(_SELECT), {"id": 240}).one()
    assert (row[0], row[1]) == (_VALUES["secret"], None)
    connection.execute(
        text("UPDATE staff_accounts SET totp_secret = NULL, totp_sealed = :blob WHERE id = 241"),
        _VALUES,
    )


def before_downgrade(connection: Connection) -> None:
    row = connection.execute(text(_SELECT), {"id": 241}).one()
    assert (row[0], bytes(row[1])) == (None, b"x" * 32)


def after_downgrade(connection: Connection) -> None:
    query = "SELECT id, totp_secret FROM staff_accounts WHERE id IN (240, 241) ORDER BY id"
    rows = [tuple(row) for row in connection.execute(text(query))]
    assert rows == [(240, _VALUES["secret"]), (241, None)]
    connection.execute(text("DELETE FROM staff_accounts WHERE id IN (240, 241)"))
