"""One worker's view of a Redis outage, shared by every use of the optional Redis: when to try
Redis again, and the two log lines that say it went away and came back.

While Redis is down it is tried again by the first call after a short backoff:
``FIRST_RETRY_SECONDS``, doubling up to ``RETRY_SECONDS`` while it stays down, so a restart
of Redis is noticed within about a second and a long outage costs one failed try (of up to
the client's timeout) per ten seconds instead of one per request.

The lines come only from calls that may be logged: the balancer's ``/readyz``, staff requests
and the CLI (:func:`may_log`), each writing what it sees itself when it sees it. A reporter's
request that finds Redis gone (or back) writes nothing, then or later: any line it caused,
even written afterwards by another request, would date the reporter's request. The first
loggable call of an outage therefore asks Redis itself (not waiting for the backoff) and says
the outage if Redis still does not answer; the first loggable call after a recovery that was
said says Redis answers again. ``/readyz`` asks every user of Redis (``health.py``) and is
polled every few seconds, so an outage is logged within one poll of the balancer, whoever
found it first.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import has_request_context, request

from sipadu.logging_privacy import is_logged_path

FIRST_RETRY_SECONDS = 1.0
RETRY_SECONDS = 10.0


def may_log() -> bool:
    """Whether a line written now dates no reporter: outside a request (the CLI), or in the
    balancer's ``/readyz`` probe or a staff request (the paths whose access lines are kept)."""
    if not has_request_context():
        return True
    return request.path == "/readyz" or is_logged_path(request.path)


class RedisOutage:
    """Whether Redis is down for one use of it in this worker, and when to try it again.

    ``down_line`` (with ``%s`` for the error's class name) and ``up_line`` are what ``log``
    says, once per outage each."""

    def __init__(self, log: logging.Logger, down_line: str, up_line: str) -> None:
        self._log, self._down_line, self._up_line = log, down_line, up_line
        self._lock = threading.Lock()
        self._retry_at: float | None = None  # None while Redis answers
        self._backoff = FIRST_RETRY_SECONDS  # the wait after the next failed try
        self._said_down = False  # this worker's log says Redis is unreachable

    @property
    def down(self) -> bool:
        """Whether the last try failed (the caller does without Redis until the next one)."""
        return self._retry_at is not None

    def should_try(self) -> bool:
        """Whether to ask Redis now: it answers, a retry is due, or this call may log an
        outage the log does not say yet."""
        with self._lock:
            retry_at = self._retry_at
        return retry_at is None or time.monotonic() >= retry_at or self._unsaid_outage()

    def check_due(self) -> bool:
        """For a probe that asks Redis without other work: whether to ask now (a retry is
        due, or the log does not yet say what this loggable call would see). A health probe
        may come before any counted request, and an idle server must not report the outage
        after it is over."""
        with self._lock:
            retry_at, said_down = self._retry_at, self._said_down
        if retry_at is not None:
            return time.monotonic() >= retry_at or self._unsaid_outage()
        return said_down and may_log()  # a recovery the log does not say yet

    def _unsaid_outage(self) -> bool:
        with self._lock:
            said_down = self._said_down
        return not said_down and may_log()

    def mark_down(self, error: Exception) -> None:
        """A try failed: wait longer before the next, and say so if this call may log."""
        with self._lock:
            if self._retry_at is None:
                self._backoff = FIRST_RETRY_SECONDS
            self._retry_at = time.monotonic() + min(self._backoff, RETRY_SECONDS)
            self._backoff = min(self._backoff * 2, RETRY_SECONDS)
            say = not self._said_down and may_log()
            self._said_down = self._said_down or say
        if say:
            self._log.warning(self._down_line, type(error).__name__)

    def mark_up(self) -> None:
        """A try succeeded; say so if the outage was said and this call may log."""
        with self._lock:
            self._retry_at = None
            say = self._said_down and may_log()
            self._said_down = self._said_down and not say
        if say:
            self._log.warning(self._up_line)
