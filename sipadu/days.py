"""Days as Jakarta counts them: the one place a stored, compared or shown day is made.

SIPADU serves the Jakarta provincial Inspektorat, and its promise is "times are days in WIB".
Every day it stores (``received_on``, ``created_on``, ``closed_on`` and the other ``*_on``
columns), every day it compares (deadlines, retention, statistics) and every day or time a
page shows is the day or time in WIB (Asia/Jakarta, UTC+7). Timestamps (``*_at``) stay UTC
in the database; only the day made from them is Jakarta's. Between 17:00 and 24:00 UTC the UTC
day is already a day behind what a Jakarta user sees, which is why nothing may call
``.date()`` on a UTC time or ``date.today()`` (the server's zone) to make a day.

Indonesia has kept UTC+7 for Jakarta without daylight saving since 1964, so a fixed offset
is exact and needs no time-zone database on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def system_clock() -> datetime:
    """The machine's time, aware UTC."""
    return datetime.now(UTC)


# The clock every made day reads; tests replace it to stand at a chosen hour (an evening in
# UTC that is already tomorrow in Jakarta), as the day logic must be tried at every hour.
clock: Callable[[], datetime] = system_clock


def utc_now() -> datetime:
    """The current time, aware UTC, from ``clock``."""
    return clock()


def _aware(moment: datetime) -> datetime:
    # A naive value is taken as UTC, as every stored timestamp is.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def wib_day(moment: datetime) -> date:
    """The day in Jakarta at ``moment``."""
    return _aware(moment).astimezone(WIB).date()


def wib_today(now: datetime | None = None) -> date:
    """Today in Jakarta (at ``now`` when given): the service's one "today"."""
    return wib_day(now or utc_now())


def wib_midnight(moment: datetime) -> datetime:
    """The start (00:00 WIB, as aware UTC) of ``moment``'s Jakarta day: how a time is
    coarsened to its day, so that the day read back from it is still Jakarta's."""
    day = wib_day(moment)
    return datetime(day.year, day.month, day.day, tzinfo=WIB).astimezone(UTC)
