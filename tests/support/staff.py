"""Staff accounts made through the real staff service: enrolled accounts, TOTP codes,
signing in."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sipadu.accounts.models import StaffAccount
from sipadu.app import create_app
from sipadu.app_context import current_settings
from sipadu.db import db_session
from sipadu.settings import settings_from_env
from sipadu.staff import service
from sipadu.staff.totp_secrets import totp_secret_of
from tests.support.csrf import csrf_token


@dataclass
class Enrolled:
    """An account with confirmed TOTP, and what its owner knows."""

    account_id: int
    username: str
    password: str = field(repr=False)
    secret: str = field(repr=False)

    def code(self, steps_ahead: int = 0) -> str:
        """The TOTP code ``steps_ahead`` steps from now (within the accepted window ±1)."""
        return pyotp.TOTP(self.secret).at(time.time() + 30 * steps_ahead)


def enrolled(
    app: Flask,
    db: Session,
    role: str = "supervisor",
    *,
    confirmed: bool = True,
    email: str | None = None,
) -> Enrolled:
    """Create an account through the service; mark TOTP confirmed unless told otherwise."""
    settings = current_settings(app)
    assert settings.keyring is not None
    password = f"kuda-{secrets.token_hex(6)}-Laut"
    account = service.create_account(
        db,
        f"{role[:5]}-{secrets.token_hex(3)}",
        role,
        password,
        params=settings.argon2,
        audit_key=settings.keyring.audit_hmac_key,
        email=email,
    )
    account.totp_confirmed = confirmed
    if role in ("supervisor", "custodian"):
        # Stands for the approval by another supervisor or the escrow holder (tested in
        # tests/staff/test_activation*.py and tests/escrow): most tests need a working one.
        account.activation_approved_at = account.created_at
    db.commit()
    secret = totp_secret_of(account, settings.keyring.audit_hmac_key) or ""
    return Enrolled(account.id, account.username, password, secret)


def totp_secret(app: Flask, account: StaffAccount) -> str:
    """The account's TOTP secret, as its owner's authenticator app holds it (sealed at rest)."""
    settings = current_settings(app)
    assert settings.keyring is not None
    return totp_secret_of(account, settings.keyring.audit_hmac_key) or ""


def forget_totp_step(db: Session, person: Enrolled) -> None:
    """Let the same code be used again (tests that sign in many times within 30 s)."""
    account = db.get(StaffAccount, person.account_id)
    assert account is not None
    account.totp_last_step = None
    db.commit()


def sign_in(client: FlaskClient, person: Enrolled, code: str | None = None) -> TestResponse:
    """Post the login form; returns the response (303 on success)."""
    return client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(client),
            "username": person.username,
            "password": person.password,
            "totp": code or person.code(),
        },
    )


def enrol_staff(env: Mapping[str, str], roles: Sequence[str]) -> list[Enrolled]:
    """One account per role on the instance ``env`` describes, made through the staff service
    with the instance's own settings (its Argon2 parameters and audit key), TOTP confirmed."""
    app = create_app(settings_from_env(env))
    try:
        with app.app_context():
            return [enrolled(app, db_session(), role) for role in roles]
    finally:
        app.extensions["sipadu.engine"].dispose()
