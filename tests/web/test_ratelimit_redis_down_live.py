"""The "Redis unreachable" warning in a real server's log, when Redis goes away while it runs.

A reporter's request that finds Redis gone writes nothing, then or later (a line written by
the next request would still date the reporter's request to within a second). The balancer's
``/readyz`` probe, a staff request or the CLI write what they see themselves, when they see
it: the probe after the cut finds Redis gone and says so, once.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.cli import init_instance
from tests.support.instance import Database, free_port, instance_env
from tests.support.live import LiveServer, http_get, serving
from tests.support.redis_server import reachable_redis_url
from tests.support.tcp_relay import TcpRelay, tcp_relay

pytestmark = pytest.mark.slow
DOWN = "rate-limit Redis unreachable"
BACK = "rate-limit Redis answers again"


def _wait_for_line(server: LiveServer, text: str, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in server.log_text():
            return True
        time.sleep(0.2)
    return False


def _env(tmp_path: Path, relay: TcpRelay, redis_url: str) -> dict[str, str]:
    database = Database("sqlite", f"sqlite:///{tmp_path / 'sipadu.sqlite3'}")
    db_number = urlsplit(redis_url).path or "/0"
    extra = {
        "SIPADU_RATE_LIMITS_ENABLED": "true",
        "SIPADU_REDIS_URL": f"redis://127.0.0.1:{relay.port}{db_number}",
    }
    return instance_env(tmp_path, database, port=free_port(), extra=extra)


def test_redis_lost_during_a_reporters_request_is_logged_by_the_probe_that_sees_it(
    tmp_path: Path,
) -> None:
    redis_url = reachable_redis_url()
    target = urlsplit(redis_url)
    with tcp_relay((target.hostname or "127.0.0.1", target.port or 6379)) as relay:
        env = _env(tmp_path, relay, redis_url)
        init_instance(env)
        with serving(env, tmp_path, workers=1) as server:
            assert http_get(server.url + "/laporan")[0] == 200  # counted in Redis
            relay.cut()
            assert http_get(server.url + "/laporan")[0] == 200  # finds Redis gone
            time.sleep(0.5)
            assert http_get(server.url + "/")[0] == 200  # a public page replays nothing
            time.sleep(0.5)
            assert DOWN not in server.log_text()  # no line dates the reporter's request
            status, body = http_get(server.url + "/readyz")
            assert status == 200 and b"degraded: redis" in body
            assert _wait_for_line(server, DOWN), server.log_text()[-2000:]
            assert server.log_text().count(DOWN) == 1
