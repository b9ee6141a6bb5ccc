"""Login and case-key throttling: growing, capped delays, never a permanent lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sipadu.throttle import (
    FREE_FAILURES,
    MAX_DELAY,
    delay_for,
    is_throttled,
    retry_after_seconds,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        (0, 0),
        (1, 0),
        (2, 0),
        (3, 0),
        (4, 1),
        (5, 2),
        (6, 4),
        (7, 8),
        (8, 16),
        (12, 256),
        (13, 512),
        (14, 900),
        (15, 900),
        (100, 900),
        (10**12, 900),
    ],
)
def test_delay_schedule(failures: int, expected: float) -> None:
    assert delay_for(failures) == expected


def test_negative_failures_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        delay_for(-1)


@given(st.integers(min_value=0, max_value=10**30))
def test_delay_never_shrinks_and_never_exceeds_the_cap(failures: int) -> None:
    assert 0 <= delay_for(failures) <= delay_for(failures + 1) <= MAX_DELAY.total_seconds()


def test_free_attempts_are_never_throttled() -> None:
    for failures in range(FREE_FAILURES + 1):
        assert is_throttled(failures, NOW, NOW) is None


def test_no_recorded_failure_is_not_throttled() -> None:
    assert is_throttled(50, None, NOW) is None


def test_waits_out_the_delay_then_may_try() -> None:
    assert is_throttled(6, NOW, NOW) == timedelta(seconds=4)
    assert is_throttled(6, NOW, NOW + timedelta(seconds=3)) == timedelta(seconds=1)
    assert is_throttled(6, NOW, NOW + timedelta(seconds=4)) is None
    assert is_throttled(6, NOW, NOW + timedelta(days=1)) is None


def test_capped_wait_is_never_longer_than_fifteen_minutes() -> None:
    assert is_throttled(10**9, NOW, NOW) == MAX_DELAY
    assert is_throttled(10**9, NOW, NOW + MAX_DELAY) is None


def test_a_failure_in_the_future_waits_at_most_one_delay() -> None:
    future = NOW + timedelta(days=365)
    assert is_throttled(5, future, NOW) == timedelta(seconds=2)
    assert is_throttled(10**6, future, NOW) == MAX_DELAY


def test_naive_utc_times_work_too() -> None:
    naive = NOW.replace(tzinfo=None)
    assert is_throttled(5, naive, naive + timedelta(seconds=1)) == timedelta(seconds=1)


def test_mixing_naive_and_aware_times_is_refused() -> None:
    with pytest.raises(TypeError):
        is_throttled(5, NOW.replace(tzinfo=None), NOW)


@pytest.mark.parametrize(
    ("wait", "seconds"),
    [
        (timedelta(seconds=0.001), 1),
        (timedelta(seconds=1), 1),
        (timedelta(seconds=1.2), 2),
        (MAX_DELAY, 900),
        (timedelta(0), 1),
    ],
)
def test_retry_after_rounds_up(wait: timedelta, seconds: int) -> None:
    assert retry_after_seconds(wait) == seconds
