"""Rate limits: a bilingual 429, per-client counting, and no client address in any store.

Redis comes from ``SIPADU_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``). Locally an
unreachable Redis skips those tests; with ``CI=true`` it fails them, like PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from sipadu.settings import Settings
from sipadu.web.auth import public
from sipadu.web.ratelimit import (
    client_identifier_for,
    limiter,
    storage_options,
    storage_uri,
)
from sipadu.web.ratelimit_store import FILE_NAME, SqliteCounterStorage, storage_uri_for
from tests.conftest import IN_CI, build_app, make_settings
from tests.support.clock import pin_limiter_clock
from tests.support.instance import Database

REDIS_URL = os.environ.get("SIPADU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ADDRESS = "203.0.113.77"


def _probe() -> Blueprint:
    bp = Blueprint("probe_limits", __name__)

    @bp.get("/t/guess")
    @public
    @limiter.limit("3 per minute")
    def guess() -> str:
        return "ok"

    @bp.get("/api/v1/t/guess")
    @public
    @limiter.limit("3 per minute")
    def api_guess() -> dict[str, str]:
        return {"ok": "yes"}

    return bp


def _app(tmp_path: Path, db: Database, **overrides: object) -> Flask:
    app = build_app(make_settings(tmp_path, db, **overrides))
    app.register_blueprint(_probe())
    return app


@pytest.fixture
def app(tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """An app counting in its instance's file, on a pinned limiter clock: a test's requests
    are all in one window, however long it takes and whenever it starts."""
    pin_limiter_clock(monkeypatch)
    return _app(tmp_path, sqlite_database)


def _client(app: Flask, address: str = ADDRESS) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _identifier(app: Flask, address: str = ADDRESS) -> str:
    keyring = app.extensions["sipadu.settings"].keyring
    return client_identifier_for(
        keyring.ratelimit_key, address, datetime.now(UTC).date().isoformat()
    )


def _stored_keys() -> list[str]:
    storage = limiter.storage
    assert isinstance(storage, SqliteCounterStorage)
    with sqlite3.connect(storage.path) as db:
        return sorted(row[0] for row in db.execute("SELECT key FROM counters"))


def test_the_limit_gives_a_429_page_in_bahasa_indonesia(app: Flask) -> None:
    client = _client(app)
    allowed = [client.get("/t/guess") for _ in range(3)]
    assert [response.status_code for response in allowed] == [200, 200, 200]
    # Ordinary responses carry no limit bookkeeping.
    assert not any(
        name.startswith(("X-RateLimit", "Retry-After")) for name, _value in allowed[0].headers
    )
    response = client.get("/t/guess")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Terlalu banyak permintaan" in page and "Too many requests" in page
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_the_api_gets_a_json_429(app: Flask) -> None:
    client = _client(app)
    for _ in range(3):
        client.get("/api/v1/t/guess")
    response = client.get("/api/v1/t/guess")
    assert response.status_code == 429 and response.is_json
    assert response.get_json()["error"]["code"] == "too_many_requests"


def test_clients_are_counted_separately(app: Flask) -> None:
    first, second = _client(app, ADDRESS), _client(app, "198.51.100.9")
    for _ in range(3):
        first.get("/t/guess")
    assert first.get("/t/guess").status_code == 429
    assert second.get("/t/guess").status_code == 200


def test_default_limits_apply_to_every_page_but_not_static_files(app: Flask) -> None:
    client = _client(app)
    assert all(client.get("/static/css/sipadu.css").status_code == 200 for _ in range(80))
    statuses = [client.get("/").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429


def test_counter_storage_holds_no_address(app: Flask) -> None:
    client = _client(app)
    for _ in range(4):
        client.get("/t/guess")
    client.get("/")
    keys = _stored_keys()
    assert keys, "the limiter stored nothing?"
    settings = app.extensions["sipadu.settings"]
    assert storage_uri(settings) == storage_uri_for(settings.instance_dir)
    for stored in (settings.instance_dir / FILE_NAME).parent.glob(FILE_NAME + "*"):
        assert ADDRESS.encode() not in stored.read_bytes()
    identifier = _identifier(app)
    assert all(identifier in key for key in keys)
    for key in keys:
        # Keys end in a time-bucket number, which may contain any digits; the address in
        # any spelling must not be there.
        assert ADDRESS not in key and "203.0" not in key and "0.113" not in key
        assert ADDRESS.encode().hex() not in key


def test_identifiers_are_keyed_daily_and_short() -> None:
    key, other = b"k" * 32, b"o" * 32
    today = client_identifier_for(key, ADDRESS, "2026-11-23")
    assert len(today) == 16 and int(today, 16) >= 0
    assert today == client_identifier_for(key, ADDRESS, "2026-11-23")
    assert today != client_identifier_for(key, ADDRESS, "2026-11-24")
    assert today != client_identifier_for(other, ADDRESS, "2026-11-23")
    assert today != client_identifier_for(key, "203.0.113.78", "2026-11-23")
    # "day|address" cannot be confused across the separator.
    assert client_identifier_for(key, "1|2", "x") != client_identifier_for(key, "2", "x|1")


def test_ipv6_clients_are_counted_per_64(app: Flask) -> None:
    first = _client(app, "2001:db8:1:2::1")
    same_net = _client(app, "2001:db8:1:2:ffff:ffff:ffff:ffff")
    other_net = _client(app, "2001:db8:1:3::1")
    for _ in range(3):
        first.get("/t/guess")
    assert same_net.get("/t/guess").status_code == 429
    assert other_net.get("/t/guess").status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(app: Flask) -> None:
    client = _client(app)
    for number in range(3):
        client.get("/t/guess", headers={"X-Forwarded-For": f"192.0.2.{number}"})
    response = client.get("/t/guess", headers={"X-Forwarded-For": "192.0.2.99"})
    assert response.status_code == 429


def test_behind_a_proxy_clients_are_told_apart_and_cannot_forge(
    tmp_path: Path,
    sqlite_database: Database,
) -> None:
    app = _app(tmp_path, sqlite_database, trusted_proxies=1, base_url="http://localhost")
    proxy = _client(app, "127.0.0.1")
    for number in range(3):
        # The client forges earlier hops; only the last one, added by our proxy, counts.
        proxy.get("/t/guess", headers={"X-Forwarded-For": f"10.0.0.{number}, {ADDRESS}"})
    blocked = proxy.get("/t/guess", headers={"X-Forwarded-For": f"10.9.9.9, {ADDRESS}"})
    assert blocked.status_code == 429
    other = proxy.get("/t/guess", headers={"X-Forwarded-For": "198.51.100.9"})
    assert other.status_code == 200
    assert all(
        _identifier(app) in key
        for key in _stored_keys()
        if _identifier(app, "198.51.100.9") not in key
    )
    with app.test_request_context(
        "/", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": ADDRESS}
    ):
        from flask import request

        assert request.remote_addr == "127.0.0.1"  # the app itself never sees the client


def test_limits_can_be_disabled_for_tests(tmp_path: Path, sqlite_database: Database) -> None:
    app = _app(tmp_path, sqlite_database, rate_limits_enabled=False)
    client = _client(app)
    assert all(client.get("/t/guess").status_code == 200 for _ in range(10))


def test_settings_choose_the_storage() -> None:
    base = Settings(instance_dir=Path("i"), keys_dir=Path("k"), database_url="sqlite://")
    assert storage_uri(base) == f"sipadu-sqlite://{Path('i', FILE_NAME).resolve()}"
    from dataclasses import replace

    with_redis = replace(base, redis_url="redis://cache:6379/2")
    assert storage_uri(with_redis) == "sipadu-redis-failover://"
    assert storage_options(with_redis)["redis_url"] == "redis://cache:6379/2"
    assert storage_options(with_redis)["fallback_uri"] == storage_uri(base)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis, or skip (fail under CI) when it cannot be reached."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis at {REDIS_URL} is unreachable: {type(error).__name__}: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture
def redis_app(tmp_path: Path, sqlite_database: Database, redis_url: str) -> Iterator[Flask]:
    app = _app(tmp_path, sqlite_database, redis_url=redis_url)
    yield app
    # Each test app has a fresh random key, so its identifiers are unique: remove only them.
    client = redis.Redis.from_url(redis_url)
    for address in (ADDRESS, "198.51.100.9"):
        for key in client.scan_iter(match=f"*{_identifier(app, address)}*"):
            client.delete(key)


def test_redis_storage_counts_and_holds_no_address(redis_app: Flask, redis_url: str) -> None:
    client = _client(redis_app)
    statuses = [client.get("/t/guess").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Terlalu banyak permintaan" in client.get("/t/guess").get_data(as_text=True)
    assert _client(redis_app, "198.51.100.9").get("/t/guess").status_code == 200
    store = redis.Redis.from_url(redis_url)
    ours = [key.decode() for key in store.scan_iter(match=f"*{_identifier(redis_app)}*")]
    assert ours, "nothing was counted in Redis"
    for key in store.scan_iter(match="*"):
        assert ADDRESS.encode() not in key and b"198.51.100.9" not in key


def test_redis_counts_are_shared_between_app_instances(
    redis_app: Flask,
    tmp_path: Path,
    sqlite_database: Database,
) -> None:
    """Two servers with the same key file and Redis add up one client's requests."""
    for _ in range(3):
        _client(redis_app).get("/t/guess")
    settings = redis_app.extensions["sipadu.settings"]
    second = _app(
        tmp_path / "second", sqlite_database, redis_url=settings.redis_url, keyring=settings.keyring
    )
    assert _client(second).get("/t/guess").status_code == 429
