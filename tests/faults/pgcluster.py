"""A throwaway PostgreSQL server for one test, which the test may stop and start at will.

The shared test database cannot be restarted (other tests and helpers use it), so a fault
test that restarts PostgreSQL gets its own cluster: ``initdb`` into a temporary folder,
trust authentication, listening on a free 127.0.0.1 port, its unix socket inside that folder.
PostgreSQL refuses to run as root; under root every server command runs as ``postgres``
through ``runuser``, and the folder belongs to ``postgres``.

Without the binaries (or, as root, without a ``postgres`` account) the test is skipped
locally and fails with ``CI=true``, as ``tests/conftest.py`` treats a missing PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import pytest

from tests.conftest import IN_CI
from tests.support.instance import SYSTEM_TEMP

SERVER_USER = "postgres"
DATABASE = "sipadu"
COMMAND_SECONDS = 120


class ClusterSetupError(RuntimeError):
    """The throwaway cluster could not be created or started."""


def _bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: on PATH, else the newest Debian install."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    installed = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    # /usr/lib/postgresql/<major>/bin: the highest major version.
    installed.sort(
        key=lambda bin_dir: int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0
    )
    return installed[-1] if installed else None


def _server_account() -> pwd.struct_passwd | None:
    """The account the server runs as: ``postgres`` under root, else ourselves."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        account = pwd.getpwnam(SERVER_USER)
    except KeyError:
        return None
    return account if shutil.which("runuser") else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgCluster:
    """One PostgreSQL server in ``root``: ``data/``, ``socket/`` and ``server.log``."""

    def __init__(self, root: Path, bin_dir: Path, account: pwd.struct_passwd) -> None:
        self.root, self.bin_dir, self.account = root, bin_dir, account
        self.port = _free_port()
        self.data = root / "data"
        self.socket_dir = root / "socket"
        self.log = root / "server.log"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the test database over TCP."""
        return f"postgresql+psycopg://{self.account.pw_name}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.account.pw_name, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=COMMAND_SECONDS, check=False
        )
        if done.returncode != 0:
            raise ClusterSetupError(f"{' '.join(args[:2])} failed: {done.stderr[-2000:]}")
        return done

    def create(self) -> None:
        """``initdb`` with trust authentication, owned by the server account."""
        self.socket_dir.mkdir()
        for path in (self.root, self.socket_dir):
            os.chown(path, self.account.pw_uid, self.account.pw_gid)
        # --no-sync: only initdb's own files; the running server still fsyncs every commit.
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.account.pw_name,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c max_connections=60"
        )
        self._run(
            "pg_ctl",
            "start",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            options,
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` as a service restart does, ``immediate`` as a crash."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def is_running(self) -> bool:
        """True while the postmaster's pid file exists."""
        return (self.data / "postmaster.pid").exists()

    def create_database(self) -> None:
        """The empty database SIPADU will use."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.account.pw_name,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as admin:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def pg_cluster() -> Iterator[PgCluster]:
    """A started throwaway cluster with an empty ``sipadu`` database; removed afterwards."""
    bin_dir, account = _bin_dir(), _server_account()
    if bin_dir is None:
        _unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")
    if account is None:
        _unavailable("running as root without a 'postgres' account or runuser")
    assert bin_dir is not None and account is not None
    # Not pytest's tmp_path: its parents are private to root, the server account could not
    # reach the data folder.
    # In the system temp folder, not the test's own (private to this user, so the `postgres`
    # account could not enter it).
    root = Path(tempfile.mkdtemp(prefix="sipadu-pg-", dir=SYSTEM_TEMP))
    cluster = PgCluster(root, bin_dir, account)
    try:
        cluster.create()
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        if cluster.is_running():
            with suppress(ClusterSetupError):
                cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
