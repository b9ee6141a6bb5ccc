"""Rate-limit counters in Redis, and in this server's counters file while Redis is down.

With ``SIPADU_REDIS_URL`` set, every server counts in Redis, so a client's limits hold across
servers. When Redis stops answering, a request must neither go unlimited nor be counted in one
worker's memory (with N workers a client would get N times each limit, unseen). This storage
then counts in the server's own counters file (``ratelimit_store.py``, shared by its workers):
each limit still holds on each server, so across S servers a client gets at most S times it
while Redis is down. The switch is logged once as a warning, ``limiter_backend_state`` reports
it (``/readyz`` shows it), and Redis is tried again by the first call after a short backoff:
``FIRST_RETRY_SECONDS``, doubling up to ``RETRY_SECONDS`` while it stays down, so a restart
of Redis is noticed within about a second and a long outage costs one failed try per ten
seconds. Once it answers, counting returns to it (the counts made in the file meanwhile stay
behind in the file). Each worker has its own storage, so each says both lines once per outage.

The switch is usually found by a reporter's request, whose log records the privacy filter
drops (``sipadu/logging_privacy.py``): a line written then would date the report, and was
lost. So the lines about Redis are held back during a reporter's request and written by the
next call that is not one (the balancer's ``/readyz``, a staff page, the next public page).

Reporters keep reaching the service while Redis is down: refusing every limited request (the
report form, the case-key entry) would turn a cache outage into an outage of the service.
"""

from __future__ import annotations

import logging
import threading
import time
from enum import StrEnum
from typing import Any

from flask import has_request_context, request
from limits.storage import RedisStorage, Storage
from limits.storage.base import SlidingWindowCounterSupport

from sipadu.logging_privacy import is_reporter_path
from sipadu.web.ratelimit_store import SqliteCounterStorage

SCHEME = "sipadu-redis-failover"
FIRST_RETRY_SECONDS = 1.0
RETRY_SECONDS = 10.0
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
        self._lock = threading.Lock()
        self._retry_at: float | None = None  # None while Redis answers
        self._backoff = FIRST_RETRY_SECONDS  # the wait after the next failed try
        self._unsaid: list[str] = []  # lines held back during a reporter's request
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return self.fallback.base_exceptions

    @property
    def backend(self) -> LimiterBackend:
        """Where the next count goes (the fallback until Redis is tried again)."""
        if self._retry_at is None:
            return LimiterBackend.REDIS
        return LimiterBackend.LOCAL_FILE_FALLBACK

    def refresh(self) -> None:
        """Ask Redis again now if a retry is due: a health probe may come before any
        counted request, and an idle server must not report the outage after it is over."""
        self._say_held_lines()
        with self._lock:
            retry_at = self._retry_at
        if retry_at is not None and time.monotonic() >= retry_at:
            self.check()

    def _call(self, method: str, *args: Any) -> Any:
        """``method`` on Redis, or on the file while Redis is down (retried every so often)."""
        self._say_held_lines()
        with self._lock:
            retry_at = self._retry_at
        if retry_at is None or time.monotonic() >= retry_at:
            try:
                result = getattr(self.redis, method)(*args)
            except self.redis.base_exceptions as error:
                self._mark_down(error)
            else:
                self._mark_up()
                return result
        return getattr(self.fallback, method)(*args)

    def _mark_down(self, error: Exception) -> None:
        with self._lock:
            first = self._retry_at is None
            if first:
                self._backoff = FIRST_RETRY_SECONDS
            self._retry_at = time.monotonic() + min(self._backoff, RETRY_SECONDS)
            self._backoff = min(self._backoff * 2, RETRY_SECONDS)
        if first:
            self._say(
                f"rate-limit Redis unreachable ({type(error).__name__}); counting in this "
                "server's file until it answers: limits hold per server, not across servers"
            )

    def _mark_up(self) -> None:
        with self._lock:
            was_down, self._retry_at = self._retry_at is not None, None
        if was_down:
            self._say("rate-limit Redis answers again; limits hold across servers")

    def _say(self, line: str) -> None:
        """Log ``line`` now, or after the reporter's request this is (see the module doc)."""
        with self._lock:
            self._unsaid.append(line)
        self._say_held_lines()

    def _say_held_lines(self) -> None:
        if has_request_context() and is_reporter_path(request.path):
            return
        with self._lock:
            lines, self._unsaid = self._unsaid, []
        for line in lines:
            log.warning("%s", line)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return int(self._call("incr", key, expiry, amount))

    def get(self, key: str) -> int:
        return int(self._call("get", key))

    def get_expiry(self, key: str) -> float:
        return float(self._call("get_expiry", key))

    def check(self) -> bool:
        if self.redis.check():  # never raises: False when Redis does not answer
            self._mark_up()
            return True
        self._mark_down(ConnectionError("no answer to PING"))
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
