"""Growing delays after failed attempts, capped.

Used per staff account (failed logins) and per case code (failed case-key guesses). There is
deliberately no lockout: a stranger who knows a username or a case code could otherwise shut
its owner out for good. Instead each failure past a few free ones doubles the wait, up to
``MAX_DELAY``, which makes online guessing hopeless (about 100 guesses a day once capped)
while the owner can still get in after a short wait. The caller stores the failure count and
the time of the last failure, and resets the count after a success.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

FREE_FAILURES = 3
BASE_DELAY_SECONDS = 1.0
MAX_DELAY = timedelta(minutes=15)
_MAX_DELAY_SECONDS = MAX_DELAY.total_seconds()
# 2**10 s already exceeds the cap; larger exponents would only risk overflow.
_MAX_EXPONENT = 10


def delay_for(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures: 0,0,0, then 1,2,4,… ≤ 900."""
    if failures < 0:
        raise ValueError("failures cannot be negative")
    if failures <= FREE_FAILURES:
        return 0.0
    exponent = min(failures - FREE_FAILURES - 1, _MAX_EXPONENT)
    return min(BASE_DELAY_SECONDS * float(2**exponent), _MAX_DELAY_SECONDS)


def is_throttled(
    failures: int,
    last_failure_at: datetime | None,
    now: datetime,
) -> timedelta | None:
    """How long the caller must still wait before the next attempt, or ``None`` if it may try.

    ``last_failure_at`` and ``now`` must both be timezone-aware or both naive UTC. A last
    failure in the future (clock moved back, or another server's clock ahead) waits at most
    one full delay rather than until that future time.
    """
    delay = timedelta(seconds=delay_for(failures))
    if last_failure_at is None or delay <= timedelta(0):
        return None
    remaining = last_failure_at + delay - now
    if remaining <= timedelta(0):
        return None
    return min(remaining, delay)


def retry_after_seconds(wait: timedelta) -> int:
    """``wait`` rounded up to whole seconds, for a ``Retry-After`` header or a message."""
    return max(1, math.ceil(wait.total_seconds()))
