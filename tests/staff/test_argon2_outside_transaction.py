"""No Argon2 derivation runs while a database transaction is open, on any staff path.

On SQLite every transaction holds the write lock from ``BEGIN IMMEDIATE``: one client sending
failed logins used to hold it through each derivation and stall every other request. The
probe (tests/support/argon2probe.py) wraps every Argon2 entry point and, while each derivation runs,
looks for an open transaction on either database and tries to take SQLite's write lock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from sipadu.accounts.models import StaffAccount
from sipadu.crypto.casekey import format_case_key, generate_case_key, parse_case_key
from sipadu.crypto.escrow import generate_escrow_keypair, write_escrow_private
from sipadu.db import db_session
from sipadu.keyring import make_test_keyring
from sipadu.staff import service
from sipadu.staff.setup import issue_setup_token
from tests.conftest import build_app, make_settings
from tests.reporting.conftest import case_key_of, submit
from tests.reporting.conftest import login as reporter_login
from tests.support.argon2probe import Argon2Probe, installed_probe
from tests.support.csrf import csrf_token
from tests.support.factories import make_case
from tests.support.forms import submit as submit_form
from tests.support.instance import Database
from tests.support.staff import Enrolled, enrolled, sign_in

LOGIN_PATHS = [
    "success",
    "wrong_password",
    "unknown",
    "wrong_totp",
    "unenrolled",
    "deactivated",
    "throttled",
]


@pytest.fixture(scope="module")
def sealed_escrow(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """The escrow public key and its sealed private key file (sealing takes a second of
    production-strength Argon2: once per module, not once per test)."""
    escrow_private, escrow_public = generate_escrow_keypair()
    sealed = tmp_path_factory.mktemp("escrow") / "escrow.key"
    write_escrow_private(sealed, escrow_private, "sandi escrow panjang")
    return escrow_public, sealed.read_bytes()


@pytest.fixture
def open_app(
    tmp_path: Path, database: Database, sealed_escrow: tuple[bytes, bytes]
) -> Iterator[Flask]:
    """Both databases, no per-client limits (each test signs in several times)."""
    escrow_public, sealed = sealed_escrow
    (tmp_path / "escrow.key").write_bytes(sealed)
    (tmp_path / "escrow.key").chmod(0o600)
    application = build_app(
        make_settings(
            tmp_path,
            database,
            rate_limits_enabled=False,
            keyring=make_test_keyring(escrow_public=escrow_public),
        )
    )
    yield application
    application.extensions["sipadu.engine"].dispose()


@pytest.fixture
def argon2_probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[Argon2Probe]:
    yield from installed_probe(monkeypatch)


def _person(app: Flask, *, confirmed: bool = True, role: str = "supervisor") -> Enrolled:
    with app.app_context():
        return enrolled(app, db_session(), role, confirmed=confirmed)


def _prepare(app: Flask, person: Enrolled, path: str) -> dict[str, str]:
    """The login form for ``path``, and the account's state for it."""
    form = {"username": person.username, "password": person.password, "totp": person.code()}
    with app.app_context():
        db = db_session()
        if path == "deactivated":
            db.execute(
                update(StaffAccount)
                .where(StaffAccount.id == person.account_id)
                .values(active=False)
            )
        if path == "throttled":
            db.execute(
                update(StaffAccount)
                .where(StaffAccount.id == person.account_id)
                .values(failed_logins=8, last_failed_login_at=datetime.now(UTC))
            )
        db.commit()
    if path == "wrong_password":
        form["password"] = "salah-sekali-pw"
    elif path == "unknown":
        form["username"] = "tidak-ada-orangnya"
    elif path == "wrong_totp":
        form["totp"] = "000000" if person.code() != "000000" else "111111"
    return form


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_web_login_derives_outside_any_transaction(
    open_app: Flask, argon2_probe: Argon2Probe, path: str
) -> None:
    person = _person(open_app, confirmed=path != "unenrolled")
    form = _prepare(open_app, person, path)
    client = open_app.test_client()
    token = csrf_token(client)
    argon2_probe.reset()
    response = client.post("/staff/login", data={"csrf_token": token, **form})
    assert response.status_code == (303 if path in ("success", "unenrolled") else 401)
    argon2_probe.assert_outside(at_least=2)


@pytest.mark.parametrize("path", ["success", "wrong_password", "unknown"])
def test_api_login_derives_outside_any_transaction(
    open_app: Flask, argon2_probe: Argon2Probe, path: str
) -> None:
    person = _person(open_app)
    form = _prepare(open_app, person, path)
    argon2_probe.reset()
    response = open_app.test_client().post("/api/v1/staff/sessions", json=form)
    assert response.status_code == (201 if path == "success" else 401)
    argon2_probe.assert_outside(at_least=2)


@pytest.mark.parametrize("right", [True, False])
def test_totp_enrolment_derives_outside_any_transaction(
    open_app: Flask, argon2_probe: Argon2Probe, right: bool
) -> None:
    person = _person(open_app, confirmed=False)
    client = open_app.test_client()
    assert sign_in(client, person).status_code == 303
    token = csrf_token(client, "/staff/enrol")
    argon2_probe.reset()
    response = client.post(
        "/staff/enrol",
        data={
            "csrf_token": token,
            "password": person.password if right else "salah-sekali-pw",
            "totp": person.code(),
        },
    )
    assert response.status_code == (303 if right else 401)
    argon2_probe.assert_outside(at_least=2)


def test_first_run_setup_derives_outside_any_transaction(
    open_app: Flask, argon2_probe: Argon2Probe
) -> None:
    with open_app.app_context():
        token = issue_setup_token(db_session())
        db_session().commit()
    client = open_app.test_client()
    form = {
        "csrf_token": csrf_token(client, f"/staff/setup/{token}"),
        "username": "kepala",
        "password": "kuda-laut-berlari-2026",
        "password2": "kuda-laut-berlari-2026",
    }
    argon2_probe.reset()
    assert client.post(f"/staff/setup/{token}", data=form).status_code == 303
    argon2_probe.assert_outside(at_least=2)
    with open_app.app_context():
        assert service.find_account(db_session(), "kepala") is not None


def _signed_in(app: Flask, person: Enrolled) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, person).status_code == 303
    return client


@pytest.mark.parametrize("right", [True, False])
def test_password_change_derives_outside_any_transaction(
    open_app: Flask, argon2_probe: Argon2Probe, right: bool
) -> None:
    person = _person(open_app)
    client = _signed_in(open_app, person)
    token = csrf_token(client, "/staff/password")
    argon2_probe.reset()
    response = client.post(
        "/staff/password",
        data={
            "csrf_token": token,
            "old_password": person.password if right else "salah-sekali-pw",
            "new_password": "gajah-terbang-tinggi-77",
            "new_password2": "gajah-terbang-tinggi-77",
        },
    )
    assert response.status_code == (303 if right else 400)
    argon2_probe.assert_outside(at_least=1)


def test_account_setup_link_derives_outside_any_transaction(
    open_app: Flask, argon2_probe: Argon2Probe
) -> None:
    """Admins create accounts without a password; the owner's setup page derives the keys."""
    admin = _person(open_app, role="admin")
    client = _signed_in(open_app, admin)
    created = submit_form(
        client,
        client.get("/admin/"),
        "/admin/accounts",
        fill={"username": "penyidik-baru", "role": "investigator"},
        follow_redirects=True,
    )
    assert created.status_code == 200
    match = re.search(r"/staff/account-setup/[A-Za-z0-9_-]{20,}", created.get_data(as_text=True))
    assert match is not None
    owner = open_app.test_client()
    argon2_probe.reset()
    done = submit_form(
        owner,
        owner.get(match.group(0)),
        match.group(0),
        fill={"password": "kuda-laut-berlari-2026", "password2": "kuda-laut-berlari-2026"},
    )
    assert done.status_code in (302, 303)
    argon2_probe.assert_outside(at_least=1)


def test_escrow_grant_derives_outside_any_transaction(
    open_app: Flask, tmp_path: Path, argon2_probe: Argon2Probe
) -> None:
    _person(open_app)  # an approved supervisor: without one no report is accepted
    investigator = _person(open_app, role="investigator")
    with open_app.app_context():
        case = make_case(open_app, db_session())
    argon2_probe.reset()
    result = open_app.test_cli_runner().invoke(
        args=[
            "escrow",
            "grant",
            "--case",
            case.case.code,
            "--to",
            investigator.username,
            "--key",
            str(tmp_path / "escrow.key"),
            "--passphrase-stdin",
        ],
        input="sandi escrow panjang\n",
    )
    assert result.exit_code == 0, result.output
    argon2_probe.assert_outside(at_least=1)


def test_reporter_paths_derive_outside_any_transaction(
    open_app: Flask, argon2_probe: Argon2Probe
) -> None:
    _person(open_app)
    argon2_probe.reset()
    client = open_app.test_client()
    filed = client.post(
        "/api/v1/reports", json={"category": "pungli", "what": "Petugas meminta uang di loket."}
    )
    assert filed.status_code == 201
    key = filed.get_json()["case_key"]
    wrong = format_case_key(generate_case_key(parse_case_key(key).code))  # valid, not the key
    for guess, status in ((key, 200), (wrong, 401)):
        answer = client.get("/api/v1/case", headers={"Authorization": f"CaseKey {guess}"})
        assert answer.status_code == status
    browser = open_app.test_client()
    page = submit(browser)
    assert page.status_code == 201
    assert reporter_login(browser, case_key_of(page)).status_code == 303
    assert reporter_login(open_app.test_client(), wrong).status_code == 401
    argon2_probe.assert_outside(at_least=6)


def test_shell_account_creation_derives_outside_any_transaction(
    open_app: Flask, argon2_probe: Argon2Probe
) -> None:
    result = open_app.test_cli_runner().invoke(
        args=[
            "account",
            "create",
            "--username",
            "auditor-baru",
            "--role",
            "auditor",
            "--password-stdin",
        ],
        input="kuda-laut-berlari-2026\n",
    )
    assert result.exit_code == 0, result.output
    argon2_probe.assert_outside(at_least=2)
