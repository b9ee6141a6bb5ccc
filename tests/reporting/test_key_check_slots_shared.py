"""Case-key check slots across servers: with Redis, the bound holds for all servers together.

File locks bound the checks of one server; two servers used to admit their own checks each,
so the stated bound multiplied by the number of servers.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from sipadu.db import db_session
from sipadu.web import redis_outage
from sipadu.web.key_check_slots import (
    _TAKE_LEASE,
    KeyCheckBusyError,
    KeyCheckSlots,
    SharedKeyCheckSlots,
)
from tests.conftest import build_app, make_settings
from tests.reporting.conftest import BASE_REPORT
from tests.support.factories import make_staff
from tests.support.instance import Database, free_port
from tests.support.redis_server import reachable_redis_url


@pytest.fixture
def redis_url() -> str:
    """The test Redis (skipped without it, failed under CI)."""
    return reachable_redis_url()


@pytest.fixture
def slots_key(redis_url: str) -> Iterator[str]:
    key = f"sipadu:test-key-check-slots:{free_port()}"
    yield key
    redis.Redis.from_url(redis_url).delete(key)


def _node(
    tmp_path: Path, name: str, redis_url: str, key: str, slots: int = 2
) -> SharedKeyCheckSlots:
    node = SharedKeyCheckSlots(KeyCheckSlots(tmp_path / name / "run", slots), redis_url, slots, key)
    node.prepare()
    return node


def test_two_servers_share_one_bound(tmp_path: Path, redis_url: str, slots_key: str) -> None:
    node_a, node_b = (_node(tmp_path, name, redis_url, slots_key) for name in ("a", "b"))
    with node_a.hold(), node_b.hold():
        for node in (node_a, node_b):
            with pytest.raises(KeyCheckBusyError), node.hold():
                pass
    with node_a.hold(), node_a.hold():  # both leases were given back
        pass


def test_a_dead_servers_lease_expires(
    tmp_path: Path, redis_url: str, slots_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sipadu.web.key_check_slots.LEASE_SECONDS", 1)
    node_a = _node(tmp_path, "a", redis_url, slots_key, slots=1)
    assert node_a._take_lease() is not None  # taken and never given back: the server died
    node_b = _node(tmp_path, "b", redis_url, slots_key, slots=1)
    with pytest.raises(KeyCheckBusyError), node_b.hold():
        pass
    time.sleep(1.2)
    with node_b.hold():
        pass


def test_a_dead_redis_leaves_each_server_its_own_slots(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    node = _node(tmp_path, "a", dead, "sipadu:key-check-slots", slots=1)
    logs = caplog.at_level(logging.WARNING, logger="sipadu.key_check_slots")
    with logs, node.hold(), pytest.raises(KeyCheckBusyError), node.hold():
        pass
    assert any("per server" in record.getMessage() for record in caplog.records)


def _app(tmp_path: Path, database: Database, redis_url: str, **overrides: object) -> Flask:
    settings = make_settings(
        tmp_path,
        database,
        redis_url=redis_url,
        rate_limits_enabled=False,
        case_key_check_slots=1,
        **overrides,
    )
    return build_app(settings)


def test_a_check_on_one_server_takes_the_slot_of_the_other(
    tmp_path: Path, sqlite_database: Database, redis_url: str
) -> None:
    node_a = _app(tmp_path / "a", sqlite_database, redis_url)
    keyring = node_a.extensions["sipadu.settings"].keyring
    node_b = _app(tmp_path / "b", sqlite_database, redis_url, keyring=keyring)
    with node_a.app_context():
        make_staff(node_a, db_session())
        db_session().commit()
    filed = node_a.test_client().post("/api/v1/reports", json=BASE_REPORT)
    key = filed.get_json()["case_key"]
    header = {"Authorization": f"CaseKey {key}"}
    assert node_b.test_client().get("/api/v1/case", headers=header).status_code == 200
    with node_a.extensions["sipadu.key_check_slots"].hold():  # a check running on server A
        busy = node_b.test_client().get("/api/v1/case", headers=header)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert node_b.test_client().get("/api/v1/case", headers=header).status_code == 200


class _Monotonic:
    """The outage backoff's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_a_dead_redis_is_retried_ever_less_often_up_to_ten_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, every check asked the dead Redis again and waited for its timeout."""
    clock = _Monotonic()
    monkeypatch.setattr(redis_outage, "time", clock)
    node = _node(tmp_path, "a", f"redis://127.0.0.1:{free_port()}/0", "sipadu:kc", slots=1)
    tries: list[float] = []
    take = node._take

    def counted_take(*, keys: list[str], args: list[object]) -> object:
        tries.append(clock.now)
        return take(keys=keys, args=args)  # type: ignore[arg-type]

    monkeypatch.setattr(node, "_take", counted_take)
    start = clock.now
    while clock.now < start + 40:
        with node.hold():
            pass
        clock.now += 0.5
    gaps = [round(later - earlier, 1) for earlier, later in itertools.pairwise(tries)]
    assert gaps[:4] == [1.0, 2.0, 4.0, 8.0] and set(gaps[4:]) == {10.0}


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "sipadu.key_check_slots"]


def test_an_outage_met_by_case_key_checks_is_said_by_readyz(
    tmp_path: Path,
    sqlite_database: Database,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every key check is a reporter's request, whose lines the privacy filter must drop (a
    line would date it): the outage used to be said only there, so no log ever held it. Now
    the balancer's probe says it, once, and answers degraded until Redis is back."""
    clock = _Monotonic()
    monkeypatch.setattr(redis_outage, "time", clock)
    app = _app(tmp_path, sqlite_database, redis_url)
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    key = app.test_client().post("/api/v1/reports", json=BASE_REPORT).get_json()["case_key"]
    header = {"Authorization": f"CaseKey {key}"}
    slots: SharedKeyCheckSlots = app.extensions["sipadu.key_check_slots"]
    live_redis = slots.redis
    slots.redis = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=1)
    slots._take = slots.redis.register_script(_TAKE_LEASE)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="sipadu.key_check_slots"):
        assert client.get("/api/v1/case", headers=header).status_code == 200
        assert _lines(caplog) == []
        for _ in range(2):
            assert client.get("/readyz").text == "ready, degraded: redis\n"
        assert len(_lines(caplog)) == 1 and "unreachable" in _lines(caplog)[0]
        slots.redis, slots._take = live_redis, live_redis.register_script(_TAKE_LEASE)
        clock.now += redis_outage.RETRY_SECONDS  # the next retry is due
        assert client.get("/readyz").text == "ready\n"
    lines = _lines(caplog)
    assert len(lines) == 2 and "answers again" in lines[1]
