"""The test Redis (``SIPADU_TEST_REDIS_URL``), or a skip (a failure under CI) without it."""

from __future__ import annotations

import os

import pytest
import redis

REDIS_URL = os.environ.get("SIPADU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable_redis_url() -> str:
    """The test Redis URL once it answers a PING; skips the test (fails it under CI) if not."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis at {REDIS_URL} is unreachable: {type(error).__name__}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL
