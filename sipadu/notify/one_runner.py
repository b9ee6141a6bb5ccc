"""One ``sipadu notify send`` (or ``sipadu outbox run``) at a time across every server of an
instance; each job has its own lock name.

Each app server may run the digest timer; two runs at once must never send a digest twice.
The per-recipient claim in ``service.py`` already makes a second run skip a digest the first
has claimed; this lock keeps the second run out altogether, so runs never interleave.

On PostgreSQL it is a session-level ``pg_try_advisory_lock`` on a connection of its own
(autocommit, so no transaction stays open for the run), named after the instance's schema
so instances sharing one database do not exclude each other; the server drops it if the run
dies. On SQLite (one server only: SQLite cannot be shared between servers) it is a ``flock``
on ``<instance>/run/notify-send.lock``, which the kernel drops with the process.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

LOCK_NAME = "sipadu:notify-send"
JOB = "notify-send"


def advisory_lock_id(schema: str | None, job: str = JOB) -> int:
    """A signed 64-bit lock id for ``job`` in ``schema`` (PostgreSQL's bigint); the notify
    job keeps the id it always had (``LOCK_NAME``)."""
    name = LOCK_NAME if job == JOB else f"sipadu:{job}"
    digest = hashlib.sha256(f"{name}:{schema or 'public'}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def only_runner(
    engine: Engine, schema: str | None, run_dir: Path, job: str = JOB
) -> Iterator[bool]:
    """``True`` for the block when this process is the only runner of ``job``, ``False``
    when another run (on this or another server) holds the lock; never waits."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield from _advisory(connection, advisory_lock_id(schema, job))
    else:
        yield from _file_lock(run_dir / f"{job}.lock")


def _advisory(connection: Connection, lock_id: int) -> Iterator[bool]:
    held = bool(connection.scalar(select(func.pg_try_advisory_lock(lock_id))))
    try:
        yield held
    finally:
        if held:
            connection.scalar(select(func.pg_advisory_unlock(lock_id)))


def _file_lock(path: Path) -> Iterator[bool]:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor drops its lock
