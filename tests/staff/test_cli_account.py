"""`sipadu account create` and `sipadu notify send` as an operator runs them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pyotp
import pytest

from tests.support.cli import copy_initialised, initialised_template, run_sipadu
from tests.support.instance import Database

ADMIN_PASSWORD = "kuda-laut-merah-1"
SUPERVISOR_PASSWORD = "gajah-biru-terbang-9"


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance right after ``sipadu init``, copied by each test (``init`` is two seconds
    of CPU, and tests/test_cli.py tests it)."""
    return initialised_template(tmp_path_factory.mktemp("initialised"))


@pytest.fixture
def env(tmp_path: Path, sqlite_database: Database, initialised: Path) -> dict[str, str]:
    """An instance after `sipadu init`, with no account yet."""
    return copy_initialised(initialised, tmp_path, sqlite_database)


def create_account(
    env: dict[str, str], username: str, role: str, *more: str, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`sipadu account create`, with ``password`` on standard input when given (an empty
    standard input otherwise, as a shell with nothing piped in)."""
    args = ["account", "create", "--username", username, "--role", role]
    if password is not None:
        args.append("--password-stdin")
    return run_sipadu(env, *args, *more, input="" if password is None else password + "\n")


def test_account_create_json_weak_duplicate_and_unknown_role(env: dict[str, str]) -> None:
    weak = create_account(env, "lain", "auditor", password="password")
    assert weak.returncode != 0 and "at least 12 characters" in weak.stderr
    created = create_account(env, "Kepala", "admin", "--json", password=ADMIN_PASSWORD)
    assert created.returncode == 0, created.stderr
    document = json.loads(created.stdout)
    assert document == {"username": "kepala", "role": "admin"}  # no TOTP secret
    duplicate = create_account(env, "kepala", "auditor")
    assert duplicate.returncode != 0 and "already exists" in duplicate.stderr
    unknown = create_account(env, "x1", "root")
    assert unknown.returncode != 0 and "unknown role" in unknown.stderr
    sent = run_sipadu(env, "notify", "send")
    assert sent.returncode == 0 and "Digests sent: 0" in sent.stdout


def test_once_an_admin_exists_the_shell_prints_a_setup_link_and_sets_no_password(
    env: dict[str, str],
) -> None:
    assert create_account(env, "kepala", "admin", password=ADMIN_PASSWORD).returncode == 0
    refused = create_account(env, "verifikator", "supervisor", password=SUPERVISOR_PASSWORD)
    assert refused.returncode != 0 and "no admin exists" in refused.stderr
    linked = create_account(env, "verifikator", "supervisor", "--json")
    assert linked.returncode == 0, linked.stderr
    document = json.loads(linked.stdout)
    assert document["username"] == "verifikator" and document["role"] == "supervisor"
    assert "/staff/account-setup/" in document["setup_url"] and document["expires_at"]
    assert "password" not in linked.stdout.lower() and "totp" not in linked.stdout
    text = create_account(env, "irban", "investigator")
    assert text.returncode == 0 and "valid 72 hours" in text.stdout
    assert "/staff/account-setup/" in text.stdout


def test_a_first_run_supervisor_is_told_it_waits_for_the_escrow_holder(
    env: dict[str, str],
) -> None:
    created = create_account(env, "verifikator", "supervisor", password=SUPERVISOR_PASSWORD)
    assert created.returncode == 0, created.stderr
    assert "sipadu escrow approve --to verifikator" in created.stdout


def test_a_shell_account_enrols_with_the_secret_its_first_sign_in_shows(
    env: dict[str, str],
) -> None:
    """`--json` prints no TOTP secret (enrolment issues the one to use): the first sign-in
    leads to the enrolment page, whose secret confirms the enrolment."""
    from sipadu.app import create_app
    from sipadu.settings import settings_from_env
    from tests.support import forms

    created = create_account(env, "kepala", "admin", "--json", password=ADMIN_PASSWORD)
    assert "totp" not in created.stdout and "secret" not in created.stdout
    app = create_app(settings_from_env(env))
    try:
        client = app.test_client()
        fill = {"username": "kepala", "password": ADMIN_PASSWORD, "totp": ""}
        answer = forms.submit(client, client.get("/staff/login"), "/staff/login", fill=fill)
        assert answer.headers.get("Location", "").endswith("/staff/enrol"), answer.status_code
        page = client.get("/staff/enrol")
        found = re.search(r"(?:[A-Z2-7]{4} ){7,}[A-Z2-7]{1,4}", page.get_data(as_text=True))
        assert found, "no secret on the enrolment page"
        code = pyotp.TOTP(found.group(0).replace(" ", "")).now()
        fill = {"password": ADMIN_PASSWORD, "totp": code}
        confirmed = forms.submit(client, page, "/staff/enrol", fill=fill)
        assert confirmed.status_code == 303
        assert not confirmed.headers["Location"].endswith("/staff/enrol")
    finally:
        app.extensions["sipadu.engine"].dispose()
