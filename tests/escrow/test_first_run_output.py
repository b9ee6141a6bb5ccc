"""`sipadu init` shows the escrow passphrase last, framed, in a terminal only; every path it
prints is the real one; `sipadu serve`'s reminder never repeats the secret."""

from __future__ import annotations

import re
from pathlib import Path

from sipadu.escrow.cli import OFFLINE_FILE_NAME, escrow_reminder
from tests.support.cli import cli_env, run_sipadu, run_sipadu_in_terminal
from tests.support.instance import Database


def _env_with_keys_elsewhere(tmp_path: Path, database: Database) -> tuple[dict[str, str], Path]:
    keys = tmp_path / "elsewhere" / "secret-keys"
    env = cli_env(tmp_path, database, seed_escrow=False) | {"SIPADU_KEYS_DIR": str(keys)}
    return env, keys


def test_init_in_a_terminal_ends_with_the_framed_escrow_block(
    tmp_path: Path, sqlite_database: Database
) -> None:
    env, keys = _env_with_keys_elsewhere(tmp_path, sqlite_database)
    code, output = run_sipadu_in_terminal(env, "init")
    assert code == 0, output
    lines = output.rstrip("\n").splitlines()
    block_start = max(i for i, line in enumerate(lines) if line.startswith("Instance ready"))
    block = lines[block_start + 1 :]
    assert block[0] == block[-1] and set(block[0]) == {"#"}, output
    assert all(line.startswith("# ") and line.endswith(" #") for line in block[1:-1])
    text = "\n".join(block)
    assert re.search(r"# Passphrase: [0-9A-Z]{5}(-[0-9A-Z]{5}){4} +#", text), text
    assert str(keys / "escrow.pub") in text
    assert str(tmp_path / "instance" / OFFLINE_FILE_NAME) in text
    assert "keys/escrow.pub" not in output.replace(str(keys), "")
    assert (keys / "escrow.pub").exists()


def test_init_without_a_terminal_never_prints_a_passphrase(
    tmp_path: Path, sqlite_database: Database
) -> None:
    env, keys = _env_with_keys_elsewhere(tmp_path, sqlite_database)
    result = run_sipadu(env, "init")
    assert result.returncode == 0, result.stderr
    assert "Passphrase" not in result.stdout + result.stderr
    assert not (keys / "escrow.pub").exists()
    assert not (tmp_path / "instance" / OFFLINE_FILE_NAME).exists()
    last_lines = result.stdout.rstrip("\n").splitlines()[-4:]
    assert str(keys / "escrow.pub") in "\n".join(last_lines)
    assert "sipadu escrow init" in "\n".join(last_lines)


def test_serve_reminder_names_the_private_file_and_no_secret(tmp_path: Path) -> None:
    public = tmp_path / "k" / "escrow.pub"
    assert "NO ESCROW KEY" in (escrow_reminder(tmp_path, public) or "")
    public.parent.mkdir()
    public.write_text("public")
    assert escrow_reminder(tmp_path, public) is None
    (tmp_path / OFFLINE_FILE_NAME).write_text("sealed")
    reminder = escrow_reminder(tmp_path, public) or ""
    assert str(tmp_path / OFFLINE_FILE_NAME) in reminder
    assert "Passphrase:" not in reminder and "store the passphrase offline" in reminder
