"""Data checks for 0006: accounts that existed before count as approved; account setup
links are dropped on the way down, the first-run link is kept."""

from __future__ import annotations

from sqlalchemy import Connection, text

_ACCOUNT = (
    "INSERT INTO staff_accounts (id, username, role, active, password_hash, public_key,"
    " wrapped_private_key, totp_confirmed, failed_logins, created_at, password_changed_at)"
    " VALUES (41, 'lama', 'supervisor', :t, 'h', :pk, :wk, :t, 0, :at, :at)"
)


def before_upgrade(connection: Connection) -> None:
    connection.execute(
        text(_ACCOUNT), {"t": True, "pk": b"p" * 32, "wk": b"w", "at": "2026-01-02 03:04:05"}
    )


def after_upgrade(connection: Connection) -> None:
    approved = connection.execute(
        text("SELECT activation_approved_at FROM staff_accounts WHERE id = 41")
    ).scalar_one()
    assert approved is not None and str(approved).startswith("2026-01-02")


def before_downgrade(connection: Connection) -> None:
    rows = [("a" * 64, None), ("b" * 64, 41)]
    for token_hash, staff_id in rows:
        connection.execute(
            text(
                "INSERT INTO setup_tokens (token_hash, created_at, expires_at, staff_id)"
                " VALUES (:h, '2026-01-01 00:00:00', '2026-01-02 00:00:00', :s)"
            ),
            {"h": token_hash, "s": staff_id},
        )


def after_downgrade(connection: Connection) -> None:
    hashes = connection.execute(text("SELECT token_hash FROM setup_tokens")).scalars().all()
    assert hashes == ["a" * 64]
    connection.execute(text("DELETE FROM setup_tokens"))
    connection.execute(text("DELETE FROM staff_accounts WHERE id = 41"))
