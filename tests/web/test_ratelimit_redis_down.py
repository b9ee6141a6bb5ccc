"""A configured Redis that is down: limits hold per server (its counters file), visibly.

Before, Flask-Limiter fell back to each worker's memory without a trace anyone could see, so
with N workers a client got N times every limit. Now the server's counters file takes over
(shared by its workers), a warning is logged once, and ``limiter_backend_state`` says so.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from limits.storage import RedisStorage

from sipadu.web import redis_outage
from sipadu.web.auth import public
from sipadu.web.ratelimit import limiter, limiter_backend_state
from sipadu.web.ratelimit_failover import FailoverCounterStorage, LimiterBackend
from sipadu.web.ratelimit_store import FILE_NAME, storage_uri_for
from tests.conftest import build_app, make_settings
from tests.support.clock import pin_limiter_clock
from tests.support.instance import Database, free_port
from tests.support.redis_server import reachable_redis_url

ADDRESS = "203.0.113.78"


def _probe() -> Blueprint:
    bp = Blueprint("probe_redis_down", __name__)

    @bp.get("/staff/t/limited")  # a staff path: the outage line may be logged there
    @public
    @limiter.limit("3 per minute")
    def limited() -> str:
        return "ok"

    return bp


def _app(tmp_path: Path, db: Database, redis_url: str, **overrides: object) -> Flask:
    app = build_app(make_settings(tmp_path, db, redis_url=redis_url, **overrides))
    app.register_blueprint(_probe())
    return app


def _get(app: Flask) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    return client.get("/staff/t/limited").status_code


@pytest.fixture
def redis_url() -> str:
    """The test Redis (skipped without it, failed under CI)."""
    return reachable_redis_url()


@pytest.fixture
def closed_port_url() -> str:
    """A Redis URL on a loopback port nothing listens on."""
    return f"redis://127.0.0.1:{free_port()}/0"


def test_a_dead_redis_counts_in_the_servers_file_not_in_memory(
    tmp_path: Path,
    sqlite_database: Database,
    closed_port_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pin_limiter_clock(monkeypatch)
    first_worker = _app(tmp_path, sqlite_database, closed_port_url)
    with caplog.at_level(logging.WARNING, logger="sipadu.ratelimit"):
        assert [_get(first_worker) for _ in range(3)] == [200, 200, 200]
    warnings = [r.getMessage() for r in caplog.records if r.name == "sipadu.ratelimit"]
    assert len(warnings) == 1 and "per server" in warnings[0]
    with first_worker.app_context():
        assert limiter_backend_state() is LimiterBackend.LOCAL_FILE_FALLBACK
    # Another worker of the same server (a fresh limiter storage, the same instance folder)
    # sees the counts: they are in the file, not in the first worker's memory.
    keyring = first_worker.extensions["sipadu.settings"].keyring  # one key file per server
    second_worker = _app(tmp_path, sqlite_database, closed_port_url, keyring=keyring)
    assert _get(second_worker) == 429
    with sqlite3.connect(tmp_path / "instance" / FILE_NAME) as db:
        assert db.execute("SELECT count(*) FROM counters").fetchone()[0] > 0


def test_without_redis_the_state_is_the_local_file(
    tmp_path: Path, sqlite_database: Database
) -> None:
    app = build_app(make_settings(tmp_path, sqlite_database))
    with app.app_context():
        assert limiter_backend_state() is LimiterBackend.LOCAL_FILE


@pytest.fixture
def unreachable_storage(
    tmp_path: Path, closed_port_url: str, monkeypatch: pytest.MonkeyPatch
) -> FailoverCounterStorage:
    """A failover storage whose Redis does not answer, retried at every call."""
    monkeypatch.setattr(redis_outage, "RETRY_SECONDS", 0.0)
    return FailoverCounterStorage(
        "sipadu-redis-failover://",
        redis_url=closed_port_url,
        fallback_uri=storage_uri_for(tmp_path),
        socket_connect_timeout=1,
    )


def test_counting_returns_to_redis_once_it_answers(
    unreachable_storage: FailoverCounterStorage, redis_url: str
) -> None:
    storage = unreachable_storage
    key = f"nodes-test-{free_port()}"
    assert storage.incr(key, 60) == 1  # counted in the file
    assert storage.backend is LimiterBackend.LOCAL_FILE_FALLBACK
    storage.redis = RedisStorage(redis_url)  # Redis is back
    try:
        assert storage.incr(key, 60) == 1  # counted in Redis, which starts afresh
        assert storage.backend in {LimiterBackend.REDIS}  # (mypy narrowed the property)
        assert storage.redis.get(key) == 1
    finally:
        storage.redis.clear(key)


def test_a_probe_sees_redis_back_without_a_counted_request(
    unreachable_storage: FailoverCounterStorage, redis_url: str
) -> None:
    """An idle server (only /readyz polling it) reports Redis as back once it answers."""
    storage = unreachable_storage
    storage.incr(f"nodes-test-{free_port()}", 60)
    storage.refresh()  # still down: stays on the file
    assert storage.backend is LimiterBackend.LOCAL_FILE_FALLBACK
    storage.redis = RedisStorage(redis_url)  # Redis is back; nothing is counted
    storage.refresh()
    assert storage.backend in {LimiterBackend.REDIS}  # (mypy narrowed the property)


class _Monotonic:
    """The failover's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_redis_back_is_noticed_after_a_second_and_said_once(
    tmp_path: Path,
    closed_port_url: str,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = _Monotonic()
    monkeypatch.setattr(redis_outage, "time", clock)
    storage = FailoverCounterStorage(
        "sipadu-redis-failover://",
        redis_url=closed_port_url,
        fallback_uri=storage_uri_for(tmp_path),
        socket_connect_timeout=1,
    )
    key = f"nodes-test-{free_port()}"
    with caplog.at_level(logging.WARNING, logger="sipadu.ratelimit"):
        storage.incr(key, 60)  # Redis is down: counted in the file
        storage.redis = RedisStorage(redis_url)  # Redis is back (restarted)
        clock.now += 1.0
        try:
            assert storage.incr(key, 60) == 1  # tried again a second later: counted in Redis
            assert storage.backend in {LimiterBackend.REDIS}  # (mypy narrowed the property)
            storage.incr(key, 60)
        finally:
            storage.redis.clear(key)
    lines = [r.getMessage() for r in caplog.records if r.name == "sipadu.ratelimit"]
    assert len(lines) == 2 and "unreachable" in lines[0] and "answers again" in lines[1]


def test_a_long_outage_is_retried_ever_less_often_up_to_ten_seconds(
    tmp_path: Path, closed_port_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Monotonic()
    monkeypatch.setattr(redis_outage, "time", clock)
    storage = FailoverCounterStorage(
        "sipadu-redis-failover://",
        redis_url=closed_port_url,
        fallback_uri=storage_uri_for(tmp_path),
        socket_connect_timeout=1,
    )
    tries: list[float] = []
    real_incr = storage.redis.incr

    def counted_incr(*args: object) -> int:
        tries.append(clock.now)
        return real_incr(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(storage.redis, "incr", counted_incr)
    start = clock.now
    while clock.now < start + 40:
        storage.incr(f"nodes-test-{free_port()}", 60)
        clock.now += 0.5
    gaps = [round(later - earlier, 1) for earlier, later in itertools.pairwise(tries)]
    assert gaps[:4] == [1.0, 2.0, 4.0, 8.0] and set(gaps[4:]) == {10.0}


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "sipadu.ratelimit"]


def test_an_outage_found_by_a_reporter_is_logged_only_by_the_probe_that_sees_it(
    unreachable_storage: FailoverCounterStorage, caplog: pytest.LogCaptureFixture
) -> None:
    """No line dates a reporter's request: neither then nor replayed by the next request;
    ``/readyz`` writes what it sees itself, once."""
    storage, requests = unreachable_storage, Flask(__name__)
    with caplog.at_level(logging.WARNING, logger="sipadu.ratelimit"):
        with requests.test_request_context("/kasus", method="POST"):
            storage.incr(f"nodes-test-{free_port()}", 60)  # finds Redis gone
        with requests.test_request_context("/"):  # a public page a reporter reads first
            storage.incr(f"nodes-test-{free_port()}", 60)
        assert _lines(caplog) == []
        for _ in range(3):
            with requests.test_request_context("/readyz"):
                storage.refresh()
    lines = _lines(caplog)
    assert len(lines) == 1 and "unreachable" in lines[0]


def test_an_outage_seen_only_by_reporters_leaves_no_line(
    unreachable_storage: FailoverCounterStorage,
    redis_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    storage, requests = unreachable_storage, Flask(__name__)
    key = f"nodes-test-{free_port()}"
    with caplog.at_level(logging.WARNING, logger="sipadu.ratelimit"):
        with requests.test_request_context("/api/v1/case"):
            storage.incr(key, 60)  # Redis gone
            storage.redis = RedisStorage(redis_url)  # and back before anything else came
            storage.incr(key, 60)
        try:
            with requests.test_request_context("/readyz"):
                storage.refresh()
            with requests.test_request_context("/staff/"):
                storage.incr(key, 60)
        finally:
            storage.redis.clear(key)
    assert _lines(caplog) == []


def test_a_recovery_found_by_a_reporter_is_said_by_the_next_probe(
    unreachable_storage: FailoverCounterStorage,
    redis_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    storage, requests = unreachable_storage, Flask(__name__)
    key = f"nodes-test-{free_port()}"
    with caplog.at_level(logging.WARNING, logger="sipadu.ratelimit"):
        with requests.test_request_context("/staff/"):
            storage.incr(key, 60)  # a staff page sees the outage: said at once
        assert len(_lines(caplog)) == 1
        storage.redis = RedisStorage(redis_url)
        try:
            with requests.test_request_context("/laporan"):
                storage.incr(key, 60)  # a reporter finds Redis back: nothing written
            with requests.test_request_context("/"):  # nor replayed by a public page
                storage.incr(key, 60)
            assert len(_lines(caplog)) == 1
            with requests.test_request_context("/readyz"):
                storage.refresh()
                storage.refresh()
        finally:
            storage.redis.clear(key)
    lines = _lines(caplog)
    assert len(lines) == 2 and "answers again" in lines[1]
