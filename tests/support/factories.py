"""Factories for test data, built through the same crypto the services use."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_settings
from sipadu.cases.service import CreatedCase, create_case, submission_recipients
from sipadu.crypto.staff import create_staff_keys, unlock_private_key

DEFAULT_REPORT = {
    "category": "gratifikasi",
    "what": "Kepala seksi menerima hadiah dari rekanan sebelum lelang.",
    "who": "Kepala Seksi Pengadaan",
    "where": "Dinas contoh",
    "when": "Maret 2026",
}


@dataclass
class StaffMember:
    """A staff account and what its owner knows."""

    account: StaffAccount
    password: str = field(repr=False)
    private_key: bytes = field(repr=False)


def make_staff(
    app: Flask,
    db: Session,
    role: str = "supervisor",
    *,
    username: str | None = None,
    password: str | None = None,
    active: bool = True,
) -> StaffMember:
    """Create an account with a real key pair wrapped under its password."""
    settings = current_settings(app)
    password = password or f"pw-{secrets.token_hex(8)}-Panjang"
    now = datetime.now(UTC)
    account = StaffAccount(
        username=username or f"{role}-{secrets.token_hex(3)}",
        role=role,
        active=active,
        password_hash="",
        public_key=b"",
        wrapped_private_key=b"",
        failed_logins=0,
        totp_confirmed=False,
        created_at=now,
        password_changed_at=now,
        activation_approved_at=now,
    )
    db.add(account)
    db.flush()
    material = create_staff_keys(password, settings.argon2, account_id=account.id)
    account.password_hash = material.password_hash
    account.public_key = material.public_key
    account.wrapped_private_key = material.wrapped_private_key
    db.flush()
    private = unlock_private_key(material.wrapped_private_key, password, account_id=account.id)
    return StaffMember(account, password, private)


def make_case(
    app: Flask,
    db: Session,
    report: dict[str, object] | None = None,
    *,
    identity: dict[str, str] | None = None,
) -> CreatedCase:
    """File a case the way a reporter would (supervisors and escrow get the DEK)."""
    settings = current_settings(app)
    assert settings.keyring is not None
    created = create_case(
        db,
        report or DEFAULT_REPORT,
        identity=identity,
        recipients=submission_recipients(db),
        escrow_public=settings.keyring.escrow_public,
        params=settings.argon2,
        audit_key=settings.keyring.audit_hmac_key,
    )
    db.commit()
    return created
