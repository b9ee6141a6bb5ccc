"""`sipadu account create`: create a staff account from the shell.

Once an admin exists it prints a one-time setup link with which the owner chooses the password
(as the admin console does). While no admin exists it asks for a password (or reads it with
``--password-stdin``), as before: the installer bootstrapping an instance holds the server,
its keys and its database anyway.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from sipadu.accounts.models import ROLES, StaffAccount, StaffRole
from sipadu.app_context import current_settings
from sipadu.audit.actors import Actor
from sipadu.db import db_session
from sipadu.settings import Settings
from sipadu.staff import accounts, service
from sipadu.staff.passwords import WeakPasswordError
from sipadu.staff.setup import ACCOUNT_SETUP_LIFETIME
from sipadu.staff.totp_secrets import seal_plaintext_totp_secrets
from sipadu.unit_of_work import commit_now, discard_now, end_transaction

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


def _admin_exists() -> bool:
    db = db_session()
    found = (
        db.scalar(select(StaffAccount.id).where(StaffAccount.role == StaffRole.ADMIN)) is not None
    )
    # A read only; the password prompt and Argon2 may follow, which must not hold the lock.
    end_transaction(db)
    return found


@account_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, help=f"One of: {', '.join(ROLES)}.")
@click.option("--email", default=None, help="Address for content-free notifications.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Bootstrap only (while no admin exists): read the password from stdin.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the result as JSON (setup link, or TOTP secret with a password).",
)
def create_command(
    username: str, role: str, email: str | None, password_stdin: bool, as_json: bool
) -> None:
    """Create a staff account and print its one-time setup link for the owner.

    While no admin account exists (bootstrapping an instance) the account gets a password
    instead: asked twice, or read from stdin with --password-stdin."""
    if role not in ROLES:
        _fail(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    if not _admin_exists():
        _create_with_password(username, role, email, as_json, from_stdin=password_stdin)
    elif password_stdin:
        _fail(
            "--password-stdin is only for bootstrapping while no admin exists; without "
            "it you get a setup link with which the owner chooses the password"
        )
    else:
        _create_with_link(username, role, email, as_json)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = click.prompt("Password", hide_input=True)
    second = click.prompt("Password again", hide_input=True)
    if first != second:
        _fail("the two passwords are not the same")
    return str(first)


def seal_legacy_totp_secrets() -> None:
    """After the migrations (`sipadu init`, `sipadu db upgrade`): seal the TOTP secrets of
    accounts enrolled before they were sealed at rest."""
    audit_key, _settings = _keys()
    db = db_session()
    sealed = seal_plaintext_totp_secrets(db, audit_key)
    commit_now(db)
    if sealed:
        click.echo(f"Sealed {sealed} staff TOTP secret(s) stored in plain text.")


def _keys() -> tuple[bytes, Settings]:
    settings = current_settings()
    assert settings.keyring is not None  # noqa: S101
    return settings.keyring.audit_hmac_key, settings


def _create_with_link(username: str, role: str, email: str | None, as_json: bool) -> None:
    audit_key, settings = _keys()
    db = db_session()
    try:
        link = accounts.create_pending_account(
            db, username, role, audit_key=audit_key, actor=Actor.CLI, email=email
        )
    except service.StaffServiceError as error:
        discard_now(db)
        _fail(_ERRORS.get(type(error), "the account could not be created"))
        return
    commit_now(db)  # the account must exist before its setup link is printed
    url, expires = link.url(settings.base_url), link.expires_at.isoformat(timespec="seconds")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "username": link.account.username,
                    "role": link.account.role,
                    "setup_url": url,
                    "expires_at": expires,
                }
            )
        )
        return
    hours = int(ACCOUNT_SETUP_LIFETIME.total_seconds() // 3600)
    click.echo(
        f"Account {link.account.username} ({link.account.role}) created. Give this "
        f"one-time setup link to its owner (valid {hours} hours, until {expires}, "
        f"once):\n  {url}\nThe owner chooses the password and sets up the "
        "authenticator app."
    )


def _create_with_password(
    username: str, role: str, email: str | None, as_json: bool, *, from_stdin: bool
) -> None:
    password = _read_password(from_stdin)
    audit_key, settings = _keys()
    db = db_session()
    try:
        account = service.create_account(
            db,
            username,
            role,
            password,
            params=settings.argon2,
            audit_key=audit_key,
            actor=Actor.CLI,
            email=email,
        )
    except WeakPasswordError as error:
        discard_now(db)
        with force_locale("en"):
            _fail("password refused: " + " ".join(error.messages))
        return
    except service.StaffServiceError as error:
        discard_now(db)
        _fail(_ERRORS.get(type(error), "the account could not be created"))
        return
    commit_now(db)
    if as_json:
        # No TOTP secret: the owner enrols on the page the first sign-in leads to (its QR
        # code), and a secret in a command's output only lingers in scrollback and logs.
        click.echo(json.dumps({"username": account.username, "role": account.role}))
        return
    click.echo(
        f"Account {account.username} ({account.role}) created. At first sign-in the "
        "owner scans the QR code (or types the secret) into an authenticator app."
    )
    if account.activation_approved_at is None:
        click.echo(
            f"After that sign-in, the escrow key holder approves it: sipadu escrow approve "
            f"--to {account.username} --key FILE (until then it reads nothing)."
        )
