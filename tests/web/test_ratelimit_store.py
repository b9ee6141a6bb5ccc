"""The counters file shared by a server's workers: expiry, exact limits across processes,
and nothing but keys, counts and expiry times stored."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from sipadu.web.ratelimit_store import SqliteCounterStorage, storage_uri_for
from tests.support.clock import pin_limiter_clock

LIMIT = 30
TRIES_PER_PROCESS = 25


def _storage(tmp_path: Path) -> SqliteCounterStorage:
    storage = storage_from_string(storage_uri_for(tmp_path))
    assert isinstance(storage, SqliteCounterStorage)
    return storage


def test_counts_expire(tmp_path: Path) -> None:
    storage = _storage(tmp_path)
    assert storage.incr("k", 1) == 1
    assert storage.incr("k", 1) == 2
    assert storage.get("k") == 2 and storage.get_expiry("k") > time.time()
    time.sleep(1.1)
    assert storage.get("k") == 0
    assert storage.incr("k", 1) == 1  # a fresh window, not 3


def test_the_sliding_window_refuses_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = pin_limiter_clock(monkeypatch)  # seven hits in one window, whenever it runs
    limiter = SlidingWindowCounterRateLimiter(_storage(tmp_path))
    per_minute = parse("5/minute")
    assert [limiter.hit(per_minute, "client") for _ in range(7)] == [True] * 5 + [False] * 2
    assert limiter.hit(per_minute, "another client")
    stats = limiter.get_window_stats(per_minute, "client")
    assert stats.remaining == 0 and stats.reset_time > clock.now
    limiter.clear(per_minute, "client")
    assert limiter.hit(per_minute, "client")


def _hammer(uri: str, results: multiprocessing.Queue[int], start: float) -> None:
    storage = storage_from_string(uri)
    limiter = SlidingWindowCounterRateLimiter(storage)
    while time.time() < start:
        time.sleep(0.001)
    per_hour = parse(f"{LIMIT}/hour")
    results.put(sum(limiter.hit(per_hour, "shared") for _ in range(TRIES_PER_PROCESS)))


def test_two_processes_share_one_exact_limit(tmp_path: Path) -> None:
    """Two workers at once: together exactly the limit, never each its own."""
    uri = storage_uri_for(tmp_path)
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[int] = context.Queue()
    start = time.time() + 0.5
    workers = [context.Process(target=_hammer, args=(uri, results, start)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    allowed = [results.get(timeout=5) for _ in workers]
    assert sum(allowed) == LIMIT, allowed


def test_the_file_is_private_and_holds_only_counters(tmp_path: Path) -> None:
    storage = _storage(tmp_path)
    storage.incr("sipadu/0123456789abcdef/LIMITER", 60)
    assert storage.path.stat().st_mode & 0o077 == 0
    with sqlite3.connect(storage.path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(counters)")]
    assert columns == ["key", "count", "expires_at"]
    assert storage.reset() == 1 and storage.get("sipadu/0123456789abcdef/LIMITER") == 0


def test_expired_counters_leave_no_trace_in_the_files(tmp_path: Path) -> None:
    """A counter's key names its minute: once expired it is gone from every file on disk
    (no write-ahead log keeping old pages, deleted content zeroed), at the next count."""
    storage = _storage(tmp_path)
    storage.incr("LIMITER/reporting.submit/5/1/minute/29943730", 1)
    time.sleep(1.1)
    storage.incr("LIMITER/staff.login/10/1/minute/29943731", 60)
    files = list(tmp_path.glob("ratelimits.sqlite3*"))
    assert [f.name for f in files] == ["ratelimits.sqlite3"]
    assert all(b"29943730" not in f.read_bytes() for f in files)
    assert storage.get("LIMITER/staff.login/10/1/minute/29943731") == 1


def test_expiry_times_name_whole_minutes_only(tmp_path: Path) -> None:
    """The stored expiry never dates the request that set it more finely than its minute."""
    storage = _storage(tmp_path)
    storage.incr("LIMITER/reporting.message/10/1/minute/1", 120)
    assert storage.get_expiry("LIMITER/reporting.message/10/1/minute/1") % 60 == 0
    assert storage.get("LIMITER/reporting.message/10/1/minute/1") == 1
