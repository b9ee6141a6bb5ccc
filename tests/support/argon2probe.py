"""Watch every Argon2 derivation: count it, and record whether a transaction was open.

The probe wraps the three entry points all Argon2 work in SIPADU goes through: the raw
derivation behind ``sipadu.crypto.params.argon2id`` and ``argon2.PasswordHasher``'s ``hash``
and ``verify``. While a derivation runs it looks at every connection of every engine that
began a transaction (either database), and on SQLite also tries to take the write lock from
a connection of its own: SIPADU's SQLite transactions start with ``BEGIN IMMEDIATE``, so any
open one would lock every other writer out for the whole derivation.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, event

from sipadu.crypto import params as params_module


def write_lock_free(path: str, timeout: float = 0.2) -> bool:
    """True if another connection can take the SQLite write lock within ``timeout`` seconds."""
    other = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


class Argon2Probe:
    """Counts derivations; lists each one that ran while a transaction was open."""

    def __init__(self) -> None:
        self.derivations = 0
        self.inside_transaction: list[str] = []
        self._connections: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._sqlite_files: set[str] = set()

    def began(self, connection: Connection) -> None:
        self._connections.add(connection)
        url = connection.engine.url
        if url.get_backend_name() == "sqlite" and url.database:
            self._sqlite_files.add(url.database)

    def observe(self, what: str) -> None:
        self.derivations += 1
        if any(not c.closed and c.in_transaction() for c in list(self._connections)):
            self.inside_transaction.append(f"{what}: a transaction was open")
        for path in sorted(self._sqlite_files):
            if not write_lock_free(path):
                self.inside_transaction.append(f"{what}: the SQLite write lock was held")

    def wrap(self, what: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def derive(*args: Any, **kwargs: Any) -> Any:
            self.observe(what)
            return real(*args, **kwargs)

        return derive

    def reset(self) -> None:
        self.derivations = 0
        self.inside_transaction.clear()

    def assert_outside(self, at_least: int = 1) -> None:
        assert self.derivations >= at_least, "fewer Argon2 derivations than expected"
        assert not self.inside_transaction, self.inside_transaction


def installed_probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[Argon2Probe]:
    """An installed probe (``yield from`` it in a fixture); removed afterwards."""
    probe = Argon2Probe()
    monkeypatch.setattr(
        params_module,
        "hash_secret_raw",
        probe.wrap("argon2id", getattr(params_module, "hash_secret_raw")),  # noqa: B009
    )
    monkeypatch.setattr(PasswordHasher, "hash", probe.wrap("verifier hash", PasswordHasher.hash))
    monkeypatch.setattr(
        PasswordHasher, "verify", probe.wrap("verifier check", PasswordHasher.verify)
    )
    event.listen(Engine, "begin", probe.began)
    try:
        yield probe
    finally:
        event.remove(Engine, "begin", probe.began)
