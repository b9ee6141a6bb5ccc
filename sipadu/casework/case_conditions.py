"""The SQL conditions the inbox and the home counts filter cases by, from metadata only:
which cases a reader may read, which are assigned to them, which fall due soon or are
overdue on the working-day calendar, which wait for an answer to the reporter, and which
hold the reporter's objection waiting for a supervisor's answer.

Deadlines follow the working-day calendar; because every due day grows with its base day
(receipt or last feedback), "overdue today" is "base day on or before some bound", and the
bounds are computed once per request in Python (see ``_latest_base``).
"""

from __future__ import annotations

from collections.abc import Callable, Set
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from sipadu.cases.deadlines import (
    DeadlinePolicy,
    add_calendar_days,
    add_working_days,
)
from sipadu.cases.kinds import ASSIGNED_REASONS, AuthorKind, TimelineKind
from sipadu.cases.models import Case, CaseConflict, CaseGrant, CaseMessage, TimelineEntry
from sipadu.cases.statuses import CLOSED, Status
from sipadu.effective_settings import effective_settings
from sipadu.roles import StaffRole

_SEARCH_SPAN = timedelta(days=3660)


def inbox_policy(db: Session) -> tuple[DeadlinePolicy, frozenset[date]]:
    """The deadline policy and holidays the inbox uses: the admin console's settings."""
    settings = effective_settings(db)
    return settings.deadlines, settings.holiday_dates


def _latest_base(due_of: Callable[[date], date], limit: date) -> date:
    """The latest base day whose deadline falls on or before ``limit`` (binary search).

    ``due_of`` never decreases and never returns a day before its argument.
    """
    low, high = limit - _SEARCH_SPAN, limit
    if due_of(low) > limit:
        return low - timedelta(days=1)
    while low < high:
        middle = low + timedelta(days=(high - low).days // 2 + (high - low).days % 2)
        if due_of(middle) <= limit:
            low = middle
        else:
            high = middle - timedelta(days=1)
    return low


def _due_functions(
    policy: DeadlinePolicy, holidays: Set[date]
) -> dict[str, Callable[[date], date]]:
    def verification(day: date) -> date:
        if policy.verification_in_working_days:
            return add_working_days(day, policy.verification_days, holidays)
        return add_calendar_days(day, policy.verification_days, holidays)

    return {
        "acknowledge": lambda day: add_working_days(day, policy.acknowledge_working_days, holidays),
        "verification": verification,
        "feedback": lambda day: add_calendar_days(day, policy.feedback_days, holidays),
        "resolution": lambda day: add_calendar_days(day, policy.resolution_days, holidays),
    }


def _falls_due_by(limit: date, policy: DeadlinePolicy, holidays: Set[date]) -> ColumnElement[bool]:
    """SQL: some open deadline of the case is due on or before ``limit``."""
    bound = {
        kind: _latest_base(due_of, limit)
        for kind, due_of in _due_functions(policy, holidays).items()
    }
    feedback = bound["feedback"]
    return and_(
        Case.status.not_in([s.value for s in CLOSED]),
        or_(
            and_(Case.acknowledged_on.is_(None), Case.received_on <= bound["acknowledge"]),
            and_(Case.decided_on.is_(None), Case.received_on <= bound["verification"]),
            and_(
                Case.received_on <= feedback,
                or_(Case.last_feedback_on.is_(None), Case.last_feedback_on <= feedback),
            ),
            Case.received_on <= bound["resolution"],
        ),
    )


def deadline_conditions(
    today: date, policy: DeadlinePolicy, holidays: Set[date]
) -> dict[str, ColumnElement[bool]]:
    """SQL conditions matching ``inbox_badge`` == overdue / due_soon as of ``today``."""
    overdue = _falls_due_by(today - timedelta(days=1), policy, holidays)
    # due_soon: due within due_soon_working_days working days, i.e. before the next one.
    soon_limit = add_working_days(today, policy.due_soon_working_days + 1, holidays) - timedelta(
        days=1
    )
    due = and_(not_(overdue), _falls_due_by(soon_limit, policy, holidays))
    return {"overdue": overdue, "due": due}


def readable_by(staff_id: int, role: str) -> ColumnElement[bool]:
    """SQL: the reader holds a grant on the case (an assignment, for investigators) and is
    not excluded from it by a conflict of interest."""
    # select(<column>).exists(), not exists(): SQLite reads "SELECT *" from the table row,
    # while one indexed column is answered from the unique (case_id, staff_id) index.
    grant = select(CaseGrant.case_id).where(
        CaseGrant.case_id == Case.id, CaseGrant.staff_id == staff_id
    )
    if role == StaffRole.INVESTIGATOR:
        grant = grant.where(CaseGrant.reason.in_(ASSIGNED_REASONS))
    conflicted = select(CaseConflict.case_id).where(
        CaseConflict.case_id == Case.id, CaseConflict.staff_id == staff_id
    )
    return and_(grant.exists(), not_(conflicted.exists()))


def reporter_replied() -> ColumnElement[bool]:
    """SQL: the case's latest message between the Inspektorat and the reporter (internal
    notes aside) is the reporter's, so it waits for an answer. An archived case waits for
    nothing (a message written there before reporters were refused does not count), and a
    closed case only for a message written on a day after its closing: the closing decision
    answered what came before it."""
    other = aliased(CaseMessage)
    latest = (
        select(func.max(other.id))
        .where(other.case_id == Case.id, other.internal.is_(False))
        .correlate(Case)
        .scalar_subquery()
    )
    answered_by_reporter = (
        select(CaseMessage.id)
        .where(
            CaseMessage.id == latest,
            CaseMessage.author_kind == AuthorKind.REPORTER,
            or_(
                Case.status.not_in([s.value for s in CLOSED]),
                and_(Case.closed_on.is_not(None), CaseMessage.created_on > Case.closed_on),
            ),
        )
        .correlate(Case)
        .exists()
    )
    return and_(Case.status != Status.DIARSIPKAN, answered_by_reporter)


def objection_waiting() -> ColumnElement[bool]:
    """SQL: the reporter objected and no answer follows the objection yet (the same rule as
    the case page's ``objection_pending``). ``objection_used`` is checked first: it is set by
    the objection, so cases never objected to are passed over without reading the timeline."""
    answer = aliased(TimelineEntry)
    answered = select(answer.id).where(
        answer.case_id == TimelineEntry.case_id,
        answer.kind == TimelineKind.OBJECTION_ANSWER,
        answer.id > TimelineEntry.id,
    )
    unanswered = (
        select(TimelineEntry.id)
        .where(
            TimelineEntry.case_id == Case.id,
            TimelineEntry.kind == TimelineKind.OBJECTION,
            not_(answered.exists()),
        )
        .correlate(Case)
        .exists()
    )
    return and_(Case.objection_used.is_(True), unanswered)


def assigned_to(staff_id: int) -> ColumnElement[bool]:
    """SQL: ``staff_id`` is assigned to the case (not merely its supervisor)."""
    return (
        select(CaseGrant.case_id)
        .where(
            CaseGrant.case_id == Case.id,
            CaseGrant.staff_id == staff_id,
            CaseGrant.reason.in_(ASSIGNED_REASONS),
        )
        .exists()
    )
