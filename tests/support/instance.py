"""A throwaway SIPADU instance's surroundings: its database, its folders, its environment.

Used by the in-process fixtures (tests/conftest.py), by every test that runs the real
``sipadu`` command or server, and by the benchmarks (bench/).
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# The system temp folder as this process found it, before any test pointed `tempfile` at a
# folder of its own; for the rare folder another account must enter (a PostgreSQL cluster).
SYSTEM_TEMP = tempfile.gettempdir()


@dataclass(frozen=True)
class Database:
    """Where an instance keeps its data: the backend's name, a SQLAlchemy URL and, on
    PostgreSQL, the schema of this instance alone."""

    backend: str
    url: str
    schema: str | None = None

    @classmethod
    def sqlite_file(cls, path: Path) -> Database:
        """A SQLite database in the file ``path`` (created on first use)."""
        return cls("sqlite", f"sqlite:///{path}")


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def instance_env(
    root: Path,
    database: Database,
    *,
    port: int | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of an instance under ``root`` on ``database``, served on ``port``
    (``SIPADU_BASE_URL`` is set only with a port).

    The caller's own ``SIPADU_*`` variables are dropped so a developer's shell cannot leak
    into the instance under test. ``TMPDIR`` is the instance's own ``root/tmp``, so a test
    that looks for temporary files left behind scans that folder, never the system's.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIPADU_")}
    temp = root / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "SIPADU_INSTANCE_DIR": str(root / "instance"),
            "SIPADU_KEYS_DIR": str(root / "keys"),
            "SIPADU_DATABASE_URL": database.url,
            "TMPDIR": str(temp),
        }
    )
    if port is not None:
        env["SIPADU_BASE_URL"] = f"http://127.0.0.1:{port}"
    if database.schema:
        env["SIPADU_DATABASE_SCHEMA"] = database.schema
    env.update(extra or {})
    return env
