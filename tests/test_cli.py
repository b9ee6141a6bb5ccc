"""The `sipadu` command as an operator runs it: a real process with real environment."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from sipadu.db import make_engine
from sipadu.keyring import generate_missing_keys
from tests.support.cli import cli_env, copy_initialised, initialised_template, run_sipadu
from tests.support.instance import Database, free_port


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance ``sipadu init`` made, copied by the tests of what follows ``init``
    (``init`` itself is tested on an empty folder)."""
    return initialised_template(tmp_path_factory.mktemp("initialised"))


def test_a_keys_folder_that_was_there_is_made_private(tmp_path: Path) -> None:
    """A fresh clone's keys/ comes from git with mode 0755; init must close it."""
    keys = tmp_path / "keys"
    keys.mkdir()
    keys.chmod(0o755)
    generate_missing_keys(keys)
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700


def test_init_is_idempotent_and_private(tmp_path: Path, database: Database) -> None:
    env = cli_env(tmp_path, database)
    first = run_sipadu(env, "init")
    assert first.returncode == 0, first.stderr
    keys = sorted((tmp_path / "keys").iterdir())
    assert [k.name for k in keys] == [
        "audit_hmac.key",
        "escrow.pub",
        "flask_secret.key",
        "ratelimit.key",
    ]
    contents = {k.name: k.read_bytes() for k in keys}
    for key in keys:
        if key.suffix == ".key":
            assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700

    second = run_sipadu(env, "init")
    assert second.returncode == 0, second.stderr
    assert "Created key file" not in second.stdout
    assert {k.name: k.read_bytes() for k in keys} == contents
    current = run_sipadu(env, "db", "current")
    database_rev, code_rev = current.stdout.split()[1], current.stdout.split()[3]
    assert database_rev == code_rev != "None"
    verify = run_sipadu(env, "audit", "verify")
    assert verify.returncode == 0 and "1 rows verified" in verify.stdout


def test_missing_key_is_named_with_its_fix(
    tmp_path: Path, sqlite_database: Database, initialised: Path
) -> None:
    env = copy_initialised(initialised, tmp_path, sqlite_database)
    (tmp_path / "keys" / "audit_hmac.key").unlink()
    result = run_sipadu(env, "audit", "verify")
    assert result.returncode != 0
    assert "audit_hmac.key is missing" in result.stderr
    assert "sipadu init" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_works_before_init(tmp_path: Path, sqlite_database: Database) -> None:
    result = run_sipadu(cli_env(tmp_path, sqlite_database), "--help")
    assert result.returncode == 0
    assert "Error" not in result.stderr and "missing" not in result.stderr
    assert "init" in result.stdout and "serve" in result.stdout and "backup" in result.stdout


def test_flasks_own_commands_are_not_offered(tmp_path: Path, sqlite_database: Database) -> None:
    """The service is served by `sipadu serve`: Werkzeug's development server (`run`, whose
    debugger runs code for whoever reaches it), `shell` and `routes` are no commands of it."""
    env = cli_env(tmp_path, sqlite_database)
    listed = run_sipadu(env, "--help")
    commands = listed.stdout.partition("Commands:")[2].split()
    assert "serve" in commands
    assert not {"run", "shell", "routes"} & set(commands)
    for name in ("run", "shell", "routes"):
        result = run_sipadu(env, name, "--help")
        assert result.returncode != 0 and "No such command" in result.stderr


def test_flasks_group_options_are_not_offered(tmp_path: Path, sqlite_database: Database) -> None:
    """--debug would turn the served app's debug mode on, --app load another app and
    --env-file read settings the deployment never declared."""
    env = cli_env(tmp_path, sqlite_database)
    listed = run_sipadu(env, "--help")
    assert listed.returncode == 0
    for option in ("--debug", "--app", "--env-file"):
        assert option not in listed.stdout
        refused = run_sipadu(env, option, "serve", "--help")
        assert refused.returncode != 0 and "No such option" in refused.stderr


def test_serve_refuses_without_keys(tmp_path: Path, sqlite_database: Database) -> None:
    result = run_sipadu(cli_env(tmp_path, sqlite_database), "serve", "--bind", "127.0.0.1:0")
    assert result.returncode != 0
    assert "flask_secret.key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_old_schema(
    tmp_path: Path, sqlite_database: Database, initialised: Path
) -> None:
    env = copy_initialised(initialised, tmp_path, sqlite_database)
    assert run_sipadu(env, "db", "downgrade", "base").returncode == 0
    result = run_sipadu(env, "serve", "--bind", "127.0.0.1:0")
    assert result.returncode != 0 and "sipadu db upgrade" in result.stderr


def test_serve_refuses_a_remote_balancer_without_its_address(
    tmp_path: Path, sqlite_database: Database, initialised: Path
) -> None:
    env = {
        **copy_initialised(initialised, tmp_path, sqlite_database),
        "SIPADU_TRUSTED_PROXIES": "1",
    }
    result = run_sipadu(env, "serve", "--bind", f"0.0.0.0:{free_port()}")
    assert result.returncode == 2
    assert "set SIPADU_PROXY_ADDRESSES" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_names_the_edited_row(tmp_path: Path, database: Database) -> None:
    env = cli_env(tmp_path, database)
    assert run_sipadu(env, "init").returncode == 0
    engine = make_engine(database.url, database.schema)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'staff:7' WHERE seq = 1"))
    engine.dispose()
    result = run_sipadu(env, "audit", "verify")
    assert result.returncode == 1
    assert "FAILED at row 1" in result.stderr


def test_flask_cli_reaches_the_same_commands(tmp_path: Path, sqlite_database: Database) -> None:
    env = cli_env(tmp_path, sqlite_database)
    flask = str(Path(sys.executable).with_name("flask"))
    init = subprocess.run(
        [flask, "--app", "sipadu", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    verify = subprocess.run(
        [flask, "--app", "sipadu", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0 and "rows verified" in verify.stdout


def test_serve_names_its_own_address_in_links_when_no_base_url_is_set() -> None:
    """`sipadu serve --bind H:P` without SIPADU_BASE_URL: setup links name H:P, not :8000."""
    from sipadu.cli import use_bind_as_base_url
    from sipadu.settings import settings_from_env

    env: dict[str, str] = {}
    use_bind_as_base_url("127.0.0.1:8001", env)
    assert env["SIPADU_BASE_URL"] == "http://127.0.0.1:8001"
    assert (
        settings_from_env(env | {"SIPADU_INSTANCE_DIR": "/tmp/x"}).base_url
        == "http://127.0.0.1:8001"
    )
    configured = {"SIPADU_BASE_URL": "https://lapor.example.go.id"}
    use_bind_as_base_url("127.0.0.1:8001", configured)
    assert configured["SIPADU_BASE_URL"] == "https://lapor.example.go.id"
