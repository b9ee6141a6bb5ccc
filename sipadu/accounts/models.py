"""Staff accounts (login verifier, X25519 key pair with the private half wrapped, TOTP state)
and their one-time setup tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.coltypes import UtcDateTime, enum_column
from sipadu.db import Base
from sipadu.roles import ROLES, StaffRole

__all__ = ["ROLES", "StaffAccount", "StaffRole", "case_reader_clause"]


class StaffAccount(Base):
    """One Inspektorat staff member."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole, "role", 16), index=True)
    # Optional: where content-free notifications go (added in 0003_staff_admin).
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Argon2id verifier (PasswordHasher string); its salt is separate from the KEK's.
    password_hash: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # The X25519 private key, sealed under Argon2id(password, own salt).
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Legacy: the TOTP secret in plain base32, as written before 0024_sealed_totp. Emptied
    # when the secret is sealed (at sign-in, or by `sipadu init` / `sipadu db upgrade`).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The TOTP secret sealed under a key derived from the audit key, bound to this account
    # (sipadu/crypto/totp_box.py; read and written through sipadu/staff/totp_secrets.py).
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Highest TOTP time step accepted so far: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set by an admin reset: grants made for the previous key pair no longer open.
    keys_reset_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When another supervisor (or custodian) approved this key pair (added in
    # 0006_account_setup). Only an approved supervisor is given new cases, only an approved
    # custodian new identities (four eyes: sipadu/staff/activation.py).
    activation_approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The Inspektorat unit a supervisor belongs to (added in 0010_units); none counts as the
    # head unit, which receives every case (sipadu/units/service.py).
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )

    @property
    def has_keys(self) -> bool:
        """True once the owner chose a password (the key pair exists); False while the
        account waits for its setup link."""
        return bool(self.password_hash) and len(self.public_key or b"") == 32


class SetupToken(Base):
    """A one-time setup token; only its SHA-256 is stored.

    Without ``staff_id`` it is the first-run token (creates the first admin); with it, the
    setup link of that account (its owner chooses the password and enrols TOTP).
    """

    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )


def case_reader_clause() -> ColumnElement[bool]:
    """Accounts that receive every new case: active supervisors whose owner completed setup
    (the key pair exists) and whose activation another supervisor approved."""
    return and_(
        StaffAccount.role == StaffRole.SUPERVISOR,
        StaffAccount.active.is_(True),
        StaffAccount.password_hash != "",
        StaffAccount.activation_approved_at.is_not(None),
    )
