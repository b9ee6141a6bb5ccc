"""Rate-limit counters in Redis, and in this server's counters file while Redis is down.

With ``SIPADU_REDIS_URL`` set, every server counts in Redis, so a client's limits hold across
servers. When Redis stops answering, a request must neither go unlimited nor be counted in one
worker's memory (with N workers a client would get N times each limit, unseen). This storage
then counts in the server's own counters file (``ratelimit_store.py``, shared by its workers):
each limit still holds on each server, so across S servers a client gets at most S times it
while Redis is down. The switch is logged once as a warning, ``limiter_backend_state`` reports
it (``/readyz`` shows it), and Redis is tried again after a growing backoff; when lines may be
written (never for a reporter's request) is ``redis_outage.py``'s rule, which the case-key
check slots follow too. Once Redis answers, counting returns to it (the counts made in the
file meanwhile stay behind in the file). Each worker has its own storage, so each says both
lines once per outage.

Reporters keep reaching the service while Redis is down: refusing every limited request (the
report form, the case-key entry) would turn a cache outage into an outage of the service.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from limits.storage import RedisStorage, Storage
from limits.storage.base import SlidingWindowCounterSupport

from sipadu.web.ratelimit_store import SqliteCounterStorage
from sipadu.web.redis_outage import RedisOutage

SCHEME = "sipadu-redis-failover"
log = logging.getLogger("sipadu.ratelimit")


class LimiterBackend(StrEnum):
    """Where this worker counts rate limits now."""

    REDIS = "redis"  # Redis configured and answering: limits hold across servers
    LOCAL_FILE = "local-file"  # no Redis configured: the server's counters file
    LOCAL_FILE_FALLBACK = "local-file-fallback"  # Redis configured but down: the file, per server


class FailoverCounterStorage(Storage, SlidingWindowCounterSupport):
    """A ``limits`` storage: Redis (``redis_url``), else the counters file (``fallback_uri``)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        redis_url = str(options.pop("redis_url"))
        self.fallback = SqliteCounterStorage(str(options.pop("fallback_uri")))
        self.redis = RedisStorage(redis_url, **options)
        self.outage = RedisOutage(
            log,
            "rate-limit Redis unreachable (%s); counting in this server's file until it "
            "answers: limits hold per server, not across servers",
            "rate-limit Redis answers again; limits hold across servers",
        )
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return self.fallback.base_exceptions

    @property
    def backend(self) -> LimiterBackend:
        """Where the next count goes (the fallback until Redis is tried again)."""
        return LimiterBackend.LOCAL_FILE_FALLBACK if self.outage.down else LimiterBackend.REDIS

    def refresh(self) -> None:
        """Ask Redis again now if a retry is due, or if the log does not yet say what this
        (loggable) probe would see."""
        if self.outage.check_due():
            self.check()

    def _call(self, method: str, *args: Any) -> Any:
        """``method`` on Redis, or on the file while Redis is down (retried every so often)."""
        if self.outage.should_try():
            try:
                result = getattr(self.redis, method)(*args)
            except self.redis.base_exceptions as error:
                self.outage.mark_down(error)
            else:
                self.outage.mark_up()
                return result
        return getattr(self.fallback, method)(*args)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return int(self._call("incr", key, expiry, amount))

    def get(self, key: str) -> int:
        return int(self._call("get", key))

    def get_expiry(self, key: str) -> float:
        return float(self._call("get_expiry", key))

    def check(self) -> bool:
        if self.redis.check():  # never raises: False when Redis does not answer
            self.outage.mark_up()
            return True
        self.outage.mark_down(ConnectionError("no answer to PING"))
        return bool(self.fallback.check())

    def reset(self) -> int | None:
        result: int | None = self._call("reset")
        return result

    def clear(self, key: str) -> None:
        self._call("clear", key)

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        return bool(self._call("acquire_sliding_window_entry", key, limit, expiry, amount))

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        result: tuple[int, float, int, float] = self._call("get_sliding_window", key, expiry)
        return result

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        self._call("clear_sliding_window", key, expiry)
