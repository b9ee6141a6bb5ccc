"""`sipadu account create` and `sipadu notify send` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest

from tests.support.cli import copy_initialised, initialised_template, run_sipadu
from tests.support.instance import Database


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance right after ``sipadu init``, copied by each test (``init`` is two seconds
    of CPU, and tests/test_cli.py tests it)."""
    return initialised_template(tmp_path_factory.mktemp("initialised"))


def test_account_create_json_weak_duplicate_and_unknown_role(
    tmp_path: Path, sqlite_database: Database, initialised: Path
) -> None:
    env = copy_initialised(initialised, tmp_path, sqlite_database)
    weak = _run_stdin(
        env,
        "password\n",
        "account",
        "create",
        "--username",
        "lain",
        "--role",
        "auditor",
        "--password-stdin",
    )
    assert weak.returncode != 0 and "at least 12 characters" in weak.stderr
    created = _run_stdin(
        env,
        "kuda-laut-merah-1\n",
        "account",
        "create",
        "--username",
        "Kepala",
        "--role",
        "admin",
        "--password-stdin",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    document = json.loads(created.stdout)
    assert document["username"] == "kepala" and document["role"] == "admin"
    assert pyotp.parse_uri(document["totp_uri"]).secret == document["totp_secret"]
    duplicate = _run_stdin(
        env, "", "account", "create", "--username", "kepala", "--role", "auditor"
    )
    assert duplicate.returncode != 0 and "already exists" in duplicate.stderr
    unknown = _run_stdin(env, "", "account", "create", "--username", "x1", "--role", "root")
    assert unknown.returncode != 0 and "unknown role" in unknown.stderr
    sent = run_sipadu(env, "notify", "send")
    assert sent.returncode == 0 and "Digests sent: 0" in sent.stdout


def test_once_an_admin_exists_the_shell_prints_a_setup_link_and_sets_no_password(
    tmp_path: Path, sqlite_database: Database, initialised: Path
) -> None:
    env = copy_initialised(initialised, tmp_path, sqlite_database)
    assert (
        _run_stdin(
            env,
            "kuda-laut-merah-1\n",
            "account",
            "create",
            "--username",
            "kepala",
            "--role",
            "admin",
            "--password-stdin",
        ).returncode
        == 0
    )
    refused = _run_stdin(
        env,
        "gajah-biru-terbang-9\n",
        "account",
        "create",
        "--username",
        "verifikator",
        "--role",
        "supervisor",
        "--password-stdin",
    )
    assert refused.returncode != 0 and "no admin exists" in refused.stderr
    linked = _run_stdin(
        env, "", "account", "create", "--username", "verifikator", "--role", "supervisor", "--json"
    )
    assert linked.returncode == 0, linked.stderr
    document = json.loads(linked.stdout)
    assert document["username"] == "verifikator" and document["role"] == "supervisor"
    assert "/staff/account-setup/" in document["setup_url"] and document["expires_at"]
    assert "password" not in linked.stdout.lower() and "totp" not in linked.stdout
    text = _run_stdin(env, "", "account", "create", "--username", "irban", "--role", "investigator")
    assert text.returncode == 0 and "valid 72 hours" in text.stdout
    assert "/staff/account-setup/" in text.stdout


def _run_stdin(env: dict[str, str], stdin: str, *args: str):  # type: ignore[no-untyped-def]
    import subprocess

    from tests.support.cli import SIPADU

    return subprocess.run(
        [SIPADU, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_first_run_supervisor_is_told_it_waits_for_the_escrow_holder(
    tmp_path: Path, sqlite_database: Database, initialised: Path
) -> None:
    env = copy_initialised(initialised, tmp_path, sqlite_database)
    created = _run_stdin(
        env,
        "gajah-biru-terbang-9\n",
        "account",
        "create",
        "--username",
        "verifikator",
        "--role",
        "supervisor",
        "--password-stdin",
    )
    assert created.returncode == 0, created.stderr
    assert "sipadu escrow approve --to verifikator" in created.stdout
