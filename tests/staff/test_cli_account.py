"""`sipadu account create` and `sipadu notify send` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp

from tests.conftest import Database
from tests.test_cli import _env, run


def test_account_create_json_weak_duplicate_and_unknown_role(
        tmp_path: Path, sqlite_database: Database) -> None:
    env = _env(tmp_path, sqlite_database)
    assert run(env, "init").returncode == 0
    created = _run_stdin(env, "kuda-laut-merah-1\n", "account", "create", "--username", "Kepala",
                         "--role", "admin", "--password-stdin", "--json")
    assert created.returncode == 0, created.stderr
    document = json.loads(created.stdout)
    assert document["username"] == "kepala" and document["role"] == "admin"
    assert pyotp.parse_uri(document["totp_uri"]).secret == document["totp_secret"]
    weak = _run_stdin(env, "password\n", "account", "create", "--username", "lain", "--role",
                      "auditor", "--password-stdin")
    assert weak.returncode != 0 and "at least 12 characters" in weak.stderr
    duplicate = _run_stdin(env, "kuda-laut-merah-1\n", "account", "create", "--username",
                           "kepala", "--role", "auditor", "--password-stdin")
    assert duplicate.returncode != 0 and "already exists" in duplicate.stderr
    unknown = _run_stdin(env, "kuda-laut-merah-1\n", "account", "create", "--username", "x1",
                         "--role", "root", "--password-stdin")
    assert unknown.returncode != 0 and "unknown role" in unknown.stderr
    sent = run(env, "notify", "send")
    assert sent.returncode == 0 and "Digests sent: 0" in sent.stdout


def _run_stdin(env: dict[str, str], stdin: str, *args: str):  # type: ignore[no-untyped-def]
    import subprocess

    from tests.test_cli import SIPADU

    return subprocess.run([SIPADU, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120, check=False)
