"""Working-day calendar and case deadlines (docs/workflow.md).

Working days are Monday to Friday, minus the holidays in force (a set of dates: the national
holidays and *cuti bersama* of ``national_holidays.py`` with the admin's edits). Everything is
a ``date``: the service records days, never exact times (metadata is coarsened to the day).

Deadlines, all configurable in ``DeadlinePolicy``:

- **acknowledge**: at most 3 *working* days after receipt;
- **verification**: the decision (investigate, refuse, forward) within 30 *calendar* days of
  receipt. Only the acknowledgement is counted in working days, and 30 days is the
  familiar one-month period; ``verification_in_working_days`` switches to working days;
- **feedback**: the reporter hears from the Inspektorat at least every 90 calendar days
  (counted from receipt, then from the last reporter-visible message or status change), and
  no later than the resolution day when that comes first: by then they hear the outcome or
  why it is late (``feedback_due_on``);
- **resolution**: the case is closed within 60 calendar days of receipt, by any closure
  (refused, forwarded or investigated) — the same measure as "mean days to close".

A calendar-day deadline that falls on a weekend or holiday moves to the next working day: the
office cannot act on a day it is closed. The verification clock keeps running while the case
waits for the reporter (``perlu_dilengkapi``); the reply puts it back in verification.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext

from sipadu.cases.statuses import is_closed

NO_HOLIDAYS: frozenset[date] = frozenset()
MAX_WORKING_DAYS = 3660  # ten years or so: a bound, so a bad setting cannot spin forever
_ONE_DAY = timedelta(days=1)


class CalendarError(ValueError):
    """A working-day computation was asked something it cannot answer."""


class DeadlinePolicyError(ValueError):
    """A deadline setting is out of its sensible range."""


class DeadlineInputError(ValueError):
    """The case dates given to ``case_deadlines`` contradict each other."""


def is_working_day(day: date, holidays: Set[date] = NO_HOLIDAYS) -> bool:
    """True for Monday to Friday when ``day`` is not a configured holiday."""
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: date, holidays: Set[date] = NO_HOLIDAYS) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    for _ in range(MAX_WORKING_DAYS):
        if is_working_day(day, holidays):
            return day
        day += _ONE_DAY
    raise CalendarError("no working day within ten years; check the holidays")


def add_working_days(start: date, n: int, holidays: Set[date] = NO_HOLIDAYS) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself does not count).

    ``n == 0`` returns ``start`` unchanged. From a Friday, one working day is the Monday; from
    a Saturday, also the Monday.
    """
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise CalendarError(f"n must be between 0 and {MAX_WORKING_DAYS}, not {n}")
    day = start
    for _ in range(n):
        day = next_working_day(day + _ONE_DAY, holidays)
    return day


def working_days_between(a: date, b: date, holidays: Set[date] = NO_HOLIDAYS) -> int:
    """Working days ``d`` with ``a < d <= b``; negative when ``b`` is before ``a``.

    The inverse of ``add_working_days``: ``working_days_between(a, add_working_days(a, n)) == n``.
    """
    if b < a:
        return -working_days_between(b, a, holidays)
    span = (b - a).days
    weeks, rest = divmod(span, 7)
    count = weeks * 5
    day = a + timedelta(days=weeks * 7)
    for _ in range(rest):
        day += _ONE_DAY
        count += day.weekday() < 5
    return count - sum(1 for h in holidays if a < h <= b and h.weekday() < 5)


def add_calendar_days(start: date, n: int, holidays: Set[date] = NO_HOLIDAYS) -> date:
    """``start + n`` days, moved to the next working day when it is not one."""
    return next_working_day(start + timedelta(days=n), holidays)


@dataclass(frozen=True)
class DeadlinePolicy:
    """The deadline settings; defaults are those of docs/workflow.md."""

    acknowledge_working_days: int = 3
    verification_days: int = 30
    verification_in_working_days: bool = False
    feedback_days: int = 90
    resolution_days: int = 60
    due_soon_working_days: int = 2

    def __post_init__(self) -> None:
        """Refuse settings no office could mean (zero, negative, or beyond a year)."""
        for name in (
            "acknowledge_working_days",
            "verification_days",
            "feedback_days",
            "resolution_days",
        ):
            if not 1 <= getattr(self, name) <= 366:
                raise DeadlinePolicyError(f"{name} must be between 1 and 366")
        if not 0 <= self.due_soon_working_days <= 30:
            raise DeadlinePolicyError("due_soon_working_days must be between 0 and 30")


DEFAULT_POLICY = DeadlinePolicy()


class DeadlineKind(StrEnum):
    """Which promise to the reporter a deadline tracks."""

    ACKNOWLEDGE = "acknowledge"
    VERIFICATION = "verification"
    FEEDBACK = "feedback"
    RESOLUTION = "resolution"


class DeadlineState(StrEnum):
    """A deadline's badge in the inbox."""

    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"


KIND_LABELS: dict[DeadlineKind, Any] = {
    DeadlineKind.ACKNOWLEDGE: lazy_gettext("Acknowledge receipt"),
    DeadlineKind.VERIFICATION: lazy_gettext("Verification decision"),
    DeadlineKind.FEEDBACK: lazy_gettext("Feedback to the reporter"),
    DeadlineKind.RESOLUTION: lazy_gettext("Resolution"),
}
STATE_LABELS: dict[DeadlineState, Any] = {
    DeadlineState.OK: lazy_gettext("On track"),
    DeadlineState.DUE_SOON: lazy_gettext("Due soon"),
    DeadlineState.OVERDUE: lazy_gettext("Overdue"),
    DeadlineState.MET: lazy_gettext("Done"),
}


@dataclass(frozen=True)
class Deadline:
    """One deadline of one case: what, when, and where it stands."""

    kind: DeadlineKind
    due_on: date
    state: DeadlineState
    completed_on: date | None = None

    @property
    def met_on_time(self) -> bool | None:
        """True or False once done (for compliance statistics), ``None`` while open."""
        return None if self.completed_on is None else self.completed_on <= self.due_on

    @property
    def label(self) -> Any:
        """The deadline's translatable name."""
        return KIND_LABELS[self.kind]


def _state(
    due_on: date,
    completed_on: date | None,
    today: date,
    policy: DeadlinePolicy,
    holidays: Set[date],
) -> DeadlineState:
    if completed_on is not None:
        return DeadlineState.MET
    if today > due_on:
        return DeadlineState.OVERDUE
    if working_days_between(today, due_on, holidays) <= policy.due_soon_working_days:
        return DeadlineState.DUE_SOON
    return DeadlineState.OK


def case_deadlines(
    received_on: date,
    status: str,
    acknowledged_on: date | None,
    decided_on: date | None,
    last_feedback_on: date | None,
    closed_on: date | None,
    policy: DeadlinePolicy = DEFAULT_POLICY,
    holidays: Set[date] = NO_HOLIDAYS,
    *,
    today: date,
) -> list[Deadline]:
    """The four deadlines of a case as of ``today``.

    ``closed_on`` counts only while ``status`` is closed (a reopened case is open again); a
    closure also completes every deadline still open. ``last_feedback_on`` is the day of the
    last message or status change the reporter could see.
    """
    end = _closed_on(status, closed_on)
    verification_due = (
        add_working_days(received_on, policy.verification_days, holidays)
        if policy.verification_in_working_days
        else add_calendar_days(received_on, policy.verification_days, holidays)
    )
    feedback_base = max(d for d in (received_on, last_feedback_on) if d is not None)
    resolution_due = add_calendar_days(received_on, policy.resolution_days, holidays)
    plan = [
        (
            DeadlineKind.ACKNOWLEDGE,
            add_working_days(received_on, policy.acknowledge_working_days, holidays),
            acknowledged_on or end,
        ),
        (DeadlineKind.VERIFICATION, verification_due, decided_on or end),
        (
            DeadlineKind.FEEDBACK,
            feedback_due_on(feedback_base, resolution_due, policy, holidays),
            end,
        ),
        (DeadlineKind.RESOLUTION, resolution_due, end),
    ]
    return [
        Deadline(kind, due, _state(due, done, today, policy, holidays), done)
        for kind, due, done in plan
    ]


def feedback_due_on(
    last_news: date, resolution_due: date, policy: DeadlinePolicy, holidays: Set[date]
) -> date:
    """When the reporter is next owed news: ``feedback_days`` after the last news, but not
    after a resolution day that falls in between. Without the cap a 90-day rhythm against a
    60-day resolution promised news a month after the case should have been resolved; news
    given on or after the resolution day starts the rhythm again from that news.

    The inbox's SQL needs no term of its own for the cap: the case is flagged on the
    resolution day by the resolution deadline already (``casework/inbox.py``)."""
    due = add_calendar_days(last_news, policy.feedback_days, holidays)
    return resolution_due if last_news < resolution_due < due else due


def _closed_on(status: str, closed_on: date | None) -> date | None:
    if not is_closed(status):
        return None
    if closed_on is None:
        raise DeadlineInputError(f"a case in status {status!r} needs its closing date")
    return closed_on


def inbox_badge(deadlines: Iterable[Deadline]) -> DeadlineState | None:
    """The most urgent open state (``overdue`` before ``due_soon``), else ``None``."""
    states = {deadline.state for deadline in deadlines}
    for state in (DeadlineState.OVERDUE, DeadlineState.DUE_SOON):
        if state in states:
            return state
    return None


def next_due(deadlines: Iterable[Deadline]) -> Deadline | None:
    """The earliest deadline not yet met (for sorting the inbox), else ``None``."""
    open_ones = [d for d in deadlines if d.state is not DeadlineState.MET]
    return min(open_ones, key=lambda d: d.due_on, default=None)
