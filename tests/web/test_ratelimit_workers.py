"""The documented login limit holds on a real server with several workers and no Redis.

Each gunicorn worker used to count in its own memory: against "10 per minute", 23 failed
sign-ins got through in 41 s on a two-worker server. Here ``sipadu serve --workers 2`` (no
``SIPADU_REDIS_URL``) takes failed sign-ins two at a time, so both workers answer; only ten
may be let through to the password check in the minute, whichever worker answers. The
server's limiter clock is pinned (tests/support/clock.py), so the count does not depend on
the test crossing a minute of the wall clock.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.clock import pinned_limiter_env
from tests.support.instance import Database
from tests.support.live import running_instance

pytestmark = pytest.mark.slow
ATTEMPTS = 16
LOGIN_PER_MINUTE = 10


def _failed_login(url: str, number: int) -> int:
    body = json.dumps(
        {"username": f"tidak-ada-{number}", "password": "salah-sekali-pw", "totp": "123456"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        url + "/api/v1/staff/sessions",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_login_limit_holds_across_two_workers_without_redis(tmp_path: Path) -> None:
    database = Database.sqlite_file(tmp_path / "instance" / "sipadu.sqlite3")
    with (
        running_instance(
            tmp_path,
            database,
            extra_env={"SIPADU_RATE_LIMITS_ENABLED": "true", **pinned_limiter_env()},
            supervisor=True,
        ) as server,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        statuses = list(pool.map(lambda n: _failed_login(server.url, n), range(ATTEMPTS)))
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) == LOGIN_PER_MINUTE, statuses
    assert statuses.count(429) == ATTEMPTS - LOGIN_PER_MINUTE
