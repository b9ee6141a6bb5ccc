"""The ``sipadu`` command as an operator runs it: a real process with a real environment."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from sipadu.crypto.escrow import generate_escrow_keypair, write_escrow_public
from tests.support.instance import Database, instance_env

SIPADU = str(Path(sys.executable).with_name("sipadu"))

# One escrow key pair per test process: generating and sealing one is deliberately slow.
_ESCROW_PAIR: list[tuple[bytes, bytes]] = []


class SipaduCommandError(RuntimeError):
    """A ``sipadu`` command that had to succeed failed."""


def run_sipadu(
    env: Mapping[str, str],
    *args: str,
    input: str | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``sipadu ARGS`` with ``env`` (an instance's environment); never raises on failure."""
    return subprocess.run(
        [SIPADU, *args],
        env=dict(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )


def start_sipadu(env: Mapping[str, str], *args: str, stdin: Path) -> subprocess.Popen[str]:
    """Start ``sipadu ARGS`` reading ``stdin`` (a file) and return at once, so a test can
    signal it mid-way (Ctrl-C); read its output with ``communicate``."""
    with stdin.open() as typed:
        return subprocess.Popen(
            [SIPADU, *args],
            env=dict(env),
            stdin=typed,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def init_instance(env: Mapping[str, str]) -> None:
    """``sipadu init``: keys, schema through the migrations, escrow key (idempotent)."""
    result = run_sipadu(env, "init")
    if result.returncode != 0:
        raise SipaduCommandError(f"sipadu init failed: {result.stderr[-2000:]}")


def seed_escrow_public(keys_dir: Path) -> None:
    """Give an instance an escrow public key up front, so ``sipadu init`` skips the
    (deliberately slow, 256 MiB) sealing of a new private half in tests not about escrow."""
    if not _ESCROW_PAIR:
        _ESCROW_PAIR.append(generate_escrow_keypair())
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_escrow_public(keys_dir / "escrow.pub", _ESCROW_PAIR[0][1])


def seeded_escrow_private() -> bytes:
    """The private half of the escrow key ``seed_escrow_public`` gave this process's
    instances (for the tests that play the escrow holder)."""
    if not _ESCROW_PAIR:
        raise SipaduCommandError("seed an instance's escrow key first")
    return _ESCROW_PAIR[0][0]


def run_sipadu_in_terminal(
    env: Mapping[str, str], *args: str, timeout: float = 120
) -> tuple[int, str]:
    """Run ``sipadu ARGS`` with its output on a pseudo-terminal, as an operator at a shell
    sees it; returns the exit code and everything printed (stdout and stderr together)."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [SIPADU, *args], env=dict(env), stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary
    )
    os.close(secondary)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    code = process.wait(timeout=timeout)
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


def cli_env(root: Path, database: Database, *, seed_escrow: bool = True) -> dict[str, str]:
    """The environment of an instance under ``root`` for ``sipadu`` commands (no server
    address); with ``seed_escrow`` its escrow public key is ready before ``sipadu init``."""
    if seed_escrow:
        seed_escrow_public(root / "keys")
    return instance_env(root, database)


def approve_as_the_escrow_holder_would(env: Mapping[str, str], username: str) -> None:
    """Mark a shell-created supervisor approved in the instance's database, standing for
    ``sipadu escrow approve`` after its authenticator enrolment (both tested in tests/escrow
    and tests/staff); for tests that need a working supervisor and nothing of its setup."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env["SIPADU_DATABASE_URL"])
    with engine.begin() as connection:
        approved = connection.execute(
            text(
                "UPDATE staff_accounts SET activation_approved_at = created_at"
                " WHERE username = :name"
            ),
            {"name": username},
        )
        if approved.rowcount != 1:
            raise SipaduCommandError(f"no account {username!r} to approve")
    engine.dispose()


def initialised_template(root: Path) -> Path:
    """``sipadu init`` once on a SQLite instance under ``root`` (its database at
    ``root/sipadu.sqlite3``, where the ``sqlite_database`` fixture puts a test's), for
    :func:`copy_initialised`; returns ``root``."""
    init_instance(cli_env(root, Database("sqlite", f"sqlite:///{root / 'sipadu.sqlite3'}")))
    return root


def copy_initialised(template: Path, root: Path, database: Database) -> dict[str, str]:
    """Make ``root`` hold a copy of the instance ``sipadu init`` left in ``template`` (keys,
    modes and database), for a test of what follows ``init`` rather than of ``init``: a
    copy costs a file copy, ``init`` two seconds of CPU. ``database`` must be the SQLite
    file ``root/sipadu.sqlite3``. Returns the instance's environment."""
    if database.url != f"sqlite:///{root / 'sipadu.sqlite3'}":
        raise ValueError("the copied instance's database is root/sipadu.sqlite3")
    shutil.copytree(template, root, symlinks=True, dirs_exist_ok=True)
    return cli_env(root, database, seed_escrow=False)
