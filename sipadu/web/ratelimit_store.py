"""Rate-limit counters in a small SQLite file, shared by every worker of one server.

Without Redis each gunicorn worker used to count in its own memory, so with N workers a
client got N times the documented limit (the workers answer in turn). This storage keeps the
counters of the ``limits`` library in ``<instance>/ratelimits.sqlite3`` instead: one file on
the server's own disk, separate from the application database (a counter update never waits
for a case transaction, nor the reverse), opened by each worker process.

Each check-and-count is one ``BEGIN IMMEDIATE`` transaction, so two workers can never both
take the last free hit. Rows hold only the limiter's keys (an HMAC of the client address, see
``ratelimit.py``, and the window's minute), a count and an expiry; every count deletes the
expired rows, with SQLite's secure delete and no write-ahead log, so the file holds the live
windows (the last minutes) and no older trace of when a reporter acted. Losing the file
only forgets the counts (``synchronous=OFF``: a crash may lose the last updates, never the
file's consistency). Several servers still need Redis (``SIPADU_REDIS_URL``) to share counts.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from math import ceil, floor
from pathlib import Path
from urllib.parse import unquote

from limits.storage import Storage
from limits.storage.base import SlidingWindowCounterSupport, TimestampedSlidingWindow

SCHEME = "sipadu-sqlite"
FILE_NAME = "ratelimits.sqlite3"
BUSY_TIMEOUT_MS = 2000
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
    "expires_at REAL NOT NULL)"
)


def _coarse_expiry(now: float, expiry: float) -> float:
    """The expiry rounded up to a whole minute: an exact one would date the request that set
    it. The counter lives up to a minute longer, which only keeps its window's count a little
    (the sliding windows of SIPADU's limits keep counters two minutes or more; shorter ones,
    used by tests alone, stay exact)."""
    if expiry < 120:
        return now + expiry
    return float(ceil((now + expiry) / 60) * 60)


def storage_uri_for(instance_dir: Path) -> str:
    """The URI of the counters file of an instance folder."""
    return f"{SCHEME}://{(instance_dir / FILE_NAME).resolve()}"


class SqliteCounterStorage(Storage, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    """A ``limits`` storage (fixed and sliding-window-counter strategies) in one SQLite file."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **_options: object) -> None:
        self.path = Path(unquote(uri.removeprefix(f"{SCHEME}://")))
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per process and thread: a connection must not cross a fork.
        owner = (os.getpid(), threading.get_ident())
        if getattr(self._local, "owner", None) != owner:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            connection = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            # A counter's key names its minute, so an expired one must not linger on disk: no
            # write-ahead log keeping old pages, and deleted rows zeroed in the file.
            connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("PRAGMA secure_delete=ON")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(_SCHEMA)
            self._local.owner, self._local.connection = owner, connection
        connection_: sqlite3.Connection = self._local.connection
        return connection_

    def _count(self, db: sqlite3.Connection, key: str, now: float) -> int:
        row = db.execute(
            "SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, now)
        ).fetchone()
        return int(row[0]) if row else 0

    def _add(self, db: sqlite3.Connection, key: str, expiry: float, amount: int, now: float) -> int:
        db.execute("DELETE FROM counters WHERE key = ? AND expires_at <= ?", (key, now))
        db.execute(
            "INSERT INTO counters (key, count, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count",
            (key, amount, _coarse_expiry(now, expiry)),
        )
        # Every count sweeps what has expired (a handful of rows: only live windows remain).
        db.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return self._count(db, key, now)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            value = self._add(db, key, expiry, amount, time.time())
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return value

    def get(self, key: str) -> int:
        return self._count(self._connection(), key, time.time())

    def get_expiry(self, key: str) -> float:
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counters WHERE key = ?", (key,))
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        self._connection().execute("SELECT 1").fetchone()
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))

    def _window(
        self, db: sqlite3.Connection, key: str, expiry: int, now: float
    ) -> tuple[int, float, int, float]:
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous, current = self._count(db, previous_key, now), self._count(db, current_key, now)
        previous_ttl = 0.0 if previous == 0 else (1 - (((now - expiry) / expiry) % 1)) * expiry
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous, previous_ttl, current, current_ttl

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        if amount > limit:
            return False
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")  # check and count as one step across workers
        try:
            now = time.time()
            previous, previous_ttl, current, _ = self._window(db, key, expiry, now)
            allowed = floor(previous * previous_ttl / expiry + current) + amount <= limit
            if allowed:
                self._add(
                    db, self.sliding_window_keys(key, expiry, now)[1], 2 * expiry, amount, now
                )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return allowed

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        return self._window(self._connection(), key, expiry, time.time())

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        for part in self.sliding_window_keys(key, expiry, time.time()):
            self.clear(part)
