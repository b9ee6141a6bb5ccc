"""Helpers for the account setup and activation tests: the admin console, the owner's setup
link and enrolment, all through the rendered forms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_settings
from sipadu.crypto.escrow import generate_escrow_keypair
from sipadu.crypto.staff import unlock_private_key
from sipadu.db import db_session
from sipadu.keyring import make_test_keyring
from sipadu.settings import Settings
from tests.conftest import make_settings
from tests.support.forms import build, find_form, send, submit
from tests.support.instance import Database
from tests.support.staff import Enrolled, enrolled, sign_in

LINK = re.compile(r"/staff/account-setup/([A-Za-z0-9_-]{20,})")
SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
ESCROW_PRIVATE, ESCROW_PUBLIC = generate_escrow_keypair()


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """Rate limits off (many sign-ins), an escrow key as ``sipadu init`` makes."""
    return make_settings(
        tmp_path,
        database,
        rate_limits_enabled=False,
        keyring=make_test_keyring(escrow_public=ESCROW_PUBLIC),
    )


def audit_key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def signed_in(app: Flask, role: str) -> tuple[FlaskClient, Enrolled]:
    """A client signed in as a new enrolled (and, for a supervisor, approved) account."""
    with app.app_context():
        person = enrolled(app, db_session(), role)
    client = app.test_client()
    client.get("/bahasa/en")
    assert sign_in(client, person).status_code == 303
    return client, person


def link_token(page_text: str) -> str:
    match = LINK.search(page_text)
    assert match, "no setup link on the page"
    return match.group(1)


def submit_with_forged(
    client: FlaskClient,
    page: TestResponse,
    action: str,
    forged: dict[str, str],
    fill: dict[str, str] | None = None,
    *,
    follow_redirects: bool = False,
) -> TestResponse:
    """Submit the rendered form plus fields it does not have (what an attacker adds)."""
    submission = build(page, action, fill=fill or {})
    submission.pairs.extend(forged.items())
    return send(client, submission, follow_redirects=follow_redirects)


def create_in_console(
    admin: FlaskClient, username: str, role: str, forged: dict[str, str] | None = None
) -> str:
    """Fill the admin's create form as rendered; returns the setup link token shown."""
    response = submit_with_forged(
        admin,
        admin.get("/admin/"),
        "/admin/accounts",
        forged or {},
        {"username": username, "role": role},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return link_token(response.get_data(as_text=True))


@dataclass
class Owner:
    """A person who completed their setup link and enrolled TOTP in the browser."""

    client: FlaskClient
    account_id: int
    username: str
    password: str = field(repr=False)
    secret: str = field(repr=False)

    def private_key(self, app: Flask) -> bytes:
        with app.app_context():
            account = db_session().get(StaffAccount, self.account_id)
            assert account is not None
            return unlock_private_key(
                account.wrapped_private_key, self.password, account_id=account.id
            )


def complete_link(app: Flask, token: str, password: str | None = None) -> Owner:
    """Open the link, choose the password, enrol TOTP: the owner's whole first visit."""
    password = password or f"sawah-hijau-{token[:4]}-pagi"
    client = app.test_client()
    client.get("/bahasa/en")
    action = f"/staff/account-setup/{token}"
    page = client.get(action)
    assert page.status_code == 200
    chosen = submit(client, page, action, fill={"password": password, "password2": password})
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/staff/enrol")
    enrol_page = client.get("/staff/enrol")
    match = SECRET.search(enrol_page.get_data(as_text=True))
    assert match
    secret = match.group(1).replace(" ", "")
    done = submit(
        client,
        enrol_page,
        "/staff/enrol",
        fill={"password": password, "totp": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 303, done.get_data(as_text=True)
    name = next(c.value for c in find_form(page, action).controls if c.name == "username")
    with app.app_context():
        account = (
            db_session().scalars(select(StaffAccount).where(StaffAccount.username == name)).one()
        )
        return Owner(client, account.id, name, password, secret)
