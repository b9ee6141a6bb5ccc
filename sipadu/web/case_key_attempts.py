"""Wrong case keys counted per (case code, client address), in the rate-limit counters.

A case code is public (staff say it on the phone, a reporter may show it), so a throttle
per code alone let anyone who knew it keep the reporter out by sending a few wrong keys now
and then. Wrong keys are therefore slowed per code *and* client: one address gets
``PER_CLIENT_LIMITS`` wrong keys for one code, and the reporter, from another address, is
not affected. Above it the per-code ceiling (``reporting/reporter_access.py``, a row in the
database) only closes a code to everybody after many more failures than one address may send,
so locking a reporter out takes very many addresses. The cost of the checks is bounded by
the key-check slots and the Argon2 gate, not by these counts.

The counters are the rate limiter's (Redis across servers, the server's counters file while
Redis is down or when none is configured), under a key made of two HMACs under the rate-limit
key: the day's client identifier (``ratelimit.client_identifier``) and the case code. Neither
the address nor the code is stored, and a counter expires with its windows (two hours at
most: a sliding window keeps the previous one).
With rate limits turned off (tests only) the counters are still kept, in the same place.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from sipadu.app_context import current_settings
from sipadu.web.ratelimit import KEY_PREFIX, limiter, storage_options, storage_uri

# A reporter mistyping their own key gets four tries in two minutes and ten in an hour.
PER_CLIENT_LIMITS = "4 per 2 minutes;10 per hour"
_ITEMS: list[RateLimitItem] = parse_many(PER_CLIENT_LIMITS)
_NAMESPACE = f"{KEY_PREFIX}/case-key"
_EXTENSION = "sipadu.case_key_attempts"


def _code_identifier(code: str) -> str:
    settings = current_settings()
    if settings.keyring is None:  # create_app guarantees a keyring; this is for type checkers
        raise RuntimeError("case-key counts need the keyring")
    message = f"case-code|{code}".encode()
    return hmac.new(settings.keyring.ratelimit_key, message, hashlib.sha256).hexdigest()[:16]


def _storage() -> Storage:
    """The limiter's counters; with rate limits off (tests), the same place opened apart:
    this limit guards a reporter's access, it is not one of the per-client rate limits."""
    if limiter.enabled and limiter.initialized:
        return limiter.storage
    extensions = current_app.extensions
    if _EXTENSION not in extensions:
        settings = current_settings()
        uri = storage_uri(settings)
        extensions[_EXTENSION] = storage_from_string(uri, **storage_options(settings))
    storage: Storage = extensions[_EXTENSION]
    return storage


def client_wait(code: str, client: str) -> timedelta | None:
    """How long ``client`` must wait before its next key for ``code``, or ``None``."""
    strategy = SlidingWindowCounterRateLimiter(_storage())
    identifiers = (_NAMESPACE, _code_identifier(code), client)
    waits = [
        strategy.get_window_stats(item, *identifiers).reset_time - time.time()
        for item in _ITEMS
        if not strategy.test(item, *identifiers)
    ]
    if not waits:
        return None
    return timedelta(seconds=max(1.0, max(waits)))


def count_client_failure(code: str, client: str) -> None:
    """Count one wrong key for ``code`` from ``client`` in every per-client window."""
    strategy = SlidingWindowCounterRateLimiter(_storage())
    identifiers = (_NAMESPACE, _code_identifier(code), client)
    for item in _ITEMS:
        strategy.hit(item, *identifiers)
