"""`sipadu account create`: create a staff account from the shell."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from sipadu.app_context import current_settings
from sipadu.db import db_session
from sipadu.staff import service, totp
from sipadu.staff.models import ROLES
from sipadu.staff.passwords import WeakPasswordError

account_cli = AppGroup("account", help="Staff accounts.")
_ERRORS = {
    service.InvalidUsernameError: "the username must be 2-64 characters: lower-case letters, "
                                  "digits, dots, dashes or underscores",
    service.DuplicateUsernameError: "an account with this username already exists",
    service.UnknownRoleError: f"unknown role; choose one of: {', '.join(ROLES)}",
    service.InvalidEmailError: "the e-mail address is not valid",
}


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = click.prompt("Password", hide_input=True)
    second = click.prompt("Password again", hide_input=True)
    if first != second:
        _fail("the two passwords are not the same")
    return str(first)


@account_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, help=f"One of: {', '.join(ROLES)}.")
@click.option("--email", default=None, help="Address for content-free notifications.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--json", "as_json", is_flag=True,
              help="Print username, role, TOTP secret and provisioning URI as JSON.")
def create_command(username: str, role: str, email: str | None, password_stdin: bool,
                   as_json: bool) -> None:
    """Create a staff account; its owner confirms TOTP at first sign-in (or uses --json)."""
    if role not in ROLES:
        _fail(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    password = _read_password(password_stdin)
    settings = current_settings()
    assert settings.keyring is not None  # noqa: S101
    db = db_session()
    try:
        account = service.create_account(db, username, role, password, params=settings.argon2,
                                         audit_key=settings.keyring.audit_hmac_key,
                                         actor="cli", email=email)
    except WeakPasswordError as error:
        db.rollback()
        with force_locale("en"):
            _fail("password refused: " + " ".join(error.messages))
        return
    except service.StaffServiceError as error:
        db.rollback()
        _fail(_ERRORS.get(type(error), "the account could not be created"))
        return
    db.commit()
    secret = account.totp_secret or ""
    uri = totp.provisioning_uri(secret, account.username)
    if as_json:
        click.echo(json.dumps({"username": account.username, "role": account.role,
                               "totp_secret": secret, "totp_uri": uri}))
        return
    click.echo(f"Account {account.username} ({account.role}) created. At first sign-in the "
               "owner scans the QR code (or types the secret) into an authenticator app.")
