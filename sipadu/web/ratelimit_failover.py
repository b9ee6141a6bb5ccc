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

The lines come only from calls that may be logged: the balancer's ``/readyz``, staff requests
and the CLI (``_may_log``), each writing what it sees itself when it sees it. A reporter's
request that finds Redis gone (or back) writes nothing, then or later: any line it caused,
even written afterwards by another request, would date the reporter's request. The first
loggable call of an outage therefore asks Redis itself (not waiting for the backoff) and says
the outage if Redis still does not answer; the first loggable call after a recovery that was
said says Redis answers again. ``/readyz`` is polled every few seconds, so an outage is logged
within one poll of the balancer, whoever found it first.

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

from sipadu.logging_privacy import is_logged_path
from sipadu.web.ratelimit_store import SqliteCounterStorage

SCHEME = "sipadu-redis-failover"
FIRST_RETRY_SECONDS = 1.0
RETRY_SECONDS = 10.0
log = logging.getLogger("sipadu.ratelimit")


def _may_log() -> bool:
    """Whether a line written now dates no reporter: outside a request (the CLI), or in the
    balancer's ``/readyz`` probe or a staff request (the paths whose access lines are kept)."""
    if not has_request_context():
        return True
    return request.path == "/readyz" or is_logged_path(request.path)


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
        self._said_down = False  # this worker's log says Redis is unreachable
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
        """Ask Redis again now if a retry is due, or if the log does not yet say what this
        (loggable) probe would see: a health probe may come before any counted request, and
        an idle server must not report the outage after it is over."""
        with self._lock:
            retry_at, said_down = self._retry_at, self._said_down
        if retry_at is not None:
            if time.monotonic() >= retry_at or self._unsaid_outage():
                self.check()
        elif said_down and _may_log():  # a recovery the log does not say yet
            self.check()

    def _unsaid_outage(self) -> bool:
        """Whether this call may log and the outage it would see is not yet in the log."""
        with self._lock:
            said_down = self._said_down
        return not said_down and _may_log()

    def _call(self, method: str, *args: Any) -> Any:
        """``method`` on Redis, or on the file while Redis is down (retried every so often)."""
        with self._lock:
            retry_at = self._retry_at
        if retry_at is None or time.monotonic() >= retry_at or self._unsaid_outage():
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
            if self._retry_at is None:
                self._backoff = FIRST_RETRY_SECONDS
            self._retry_at = time.monotonic() + min(self._backoff, RETRY_SECONDS)
            self._backoff = min(self._backoff * 2, RETRY_SECONDS)
            say = not self._said_down and _may_log()
            self._said_down = self._said_down or say
        if say:
            log.warning(
                "rate-limit Redis unreachable (%s); counting in this server's file until it "
                "answers: limits hold per server, not across servers",
                type(error).__name__,
            )

    def _mark_up(self) -> None:
        with self._lock:
            self._retry_at = None
            say = self._said_down and _may_log()
            self._said_down = self._said_down and not say
        if say:
            log.warning("rate-limit Redis answers again; limits hold across servers")

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
