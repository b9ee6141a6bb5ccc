"""A clock for the rate limiter, so limit tests do not depend on the wall clock.

SIPADU's limiter counts with the ``sliding-window-counter`` strategy: a request is weighed
against the current window's count plus the previous window's count scaled by how much of
that window still overlaps. Requests that straddle a window boundary (a minute for "5 per
minute") are therefore partly forgotten as the old window's weight shrinks, and a test that
expects "the sixth request within a minute is refused" passes or fails with the second it
starts in. Tests pin the limiter's clock instead of racing the real one.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from types import SimpleNamespace

import limits.storage.memory
import limits.strategies
import pytest

import sipadu.web.ratelimit_store


class LimiterClock:
    """The time the limiter sees; it moves only when the test moves it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        """What ``time.time()`` answers inside the limiter."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the limiter's time forward."""
        self.now += seconds


def pin_limiter_clock(monkeypatch: pytest.MonkeyPatch, now: float | None = None) -> LimiterClock:
    """Pin the in-memory limiter's clock (by default to the middle of the current minute:
    the real time's minute, so ``Retry-After`` computed from it stays small)."""
    start = now if now is not None else math.floor(time.time() / 60) * 60 + 30
    clock = LimiterClock(start)
    shim = SimpleNamespace(time=clock.time)
    monkeypatch.setattr(limits.storage.memory, "time", shim)
    monkeypatch.setattr(limits.strategies, "time", shim)
    # The instance's counters file (used whenever Redis is not) reads the clock itself.
    monkeypatch.setattr(sipadu.web.ratelimit_store, "time", shim)
    return clock


PINNED_CLOCK_DIR = Path(__file__).with_name("pinned_clock")


def pinned_limiter_env(now: float | None = None) -> dict[str, str]:
    """Environment that pins the rate limiter's clock in a server process the harness starts
    (tests/support/pinned_clock/sitecustomize.py); by default to the middle of this minute."""
    start = now if now is not None else math.floor(time.time() / 60) * 60 + 30
    search_path = [str(PINNED_CLOCK_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {"PYTHONPATH": os.pathsep.join(search_path), "HARNESS_LIMITER_TIME": repr(start)}
