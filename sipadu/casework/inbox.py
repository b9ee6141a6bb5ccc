"""The staff inbox: the cases one person may read, from metadata only (nothing decrypted).

One SQL query answers a page: the reader's grants, the filters (including "due soon" and
"overdue", turned into date bounds), the sort, the page and the total (a window count).
Deadlines follow the working-day calendar; because every due day grows with its base day
(receipt or last feedback), "overdue today" is "base day on or before some bound", and the
bounds are computed once per request in Python (see ``_latest_base``).

Indexes this relies on at 100 000 cases (see docs/casework.md): case_grants(staff_id, reason,
case_id), cases(received_on, id), cases(status, received_on).
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from sipadu.cases.deadlines import (
    Deadline,
    DeadlineInputError,
    DeadlinePolicy,
    DeadlineState,
    add_calendar_days,
    add_working_days,
    case_deadlines,
    inbox_badge,
    next_due,
)
from sipadu.cases.models import Case, CaseConflict, CaseGrant
from sipadu.cases.statuses import CLOSED, Status

# Grant reasons that make an investigator a case's assignee.
ASSIGNED_REASONS = ("assignment", "recovery")
INBOX_ROLES = frozenset({"supervisor", "investigator"})
SORTS = ("received_desc", "received_asc", "status")
DUE_FILTERS = ("due", "overdue")
PER_PAGE = 25
_SEARCH_SPAN = timedelta(days=3660)
_STATUS_ORDER = {status.value: index for index, status in enumerate(Status)}


@dataclass(frozen=True)
class InboxFilters:
    """What the reader asked for; unknown values are dropped by the form, never trusted."""

    status: str | None = None
    category: str | None = None
    assigned_to_me: bool = False
    due: str | None = None
    sort: str = "received_desc"
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class InboxRow:
    """One case as the inbox lists it."""

    code: str
    category: str
    status: str
    unit: str | None
    received_on: date
    assigned_to_me: bool
    badge: DeadlineState | None
    next_deadline: Deadline | None


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox and how many cases match in all."""

    rows: list[InboxRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one, so "page 1 of 1" reads right when empty)."""
        return max(1, -(-self.total // self.per_page))


def inbox_policy(db: Session) -> tuple[DeadlinePolicy, frozenset[date]]:
    """The deadline policy and holidays the inbox uses: the admin console's settings."""
    from sipadu.admin.service import get_instance_settings

    settings = get_instance_settings(db)
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


def _due_functions(policy: DeadlinePolicy,
                   holidays: Set[date]) -> dict[str, Callable[[date], date]]:
    def verification(day: date) -> date:
        if policy.verification_in_working_days:
            return add_working_days(day, policy.verification_days, holidays)
        return add_calendar_days(day, policy.verification_days, holidays)

    return {
        "acknowledge": lambda day: add_working_days(day, policy.acknowledge_working_days,
                                                    holidays),
        "verification": verification,
        "feedback": lambda day: add_calendar_days(day, policy.feedback_days, holidays),
        "resolution": lambda day: add_calendar_days(day, policy.resolution_days, holidays),
    }


def _falls_due_by(limit: date, policy: DeadlinePolicy,
                  holidays: Set[date]) -> ColumnElement[bool]:
    """SQL: some open deadline of the case is due on or before ``limit``."""
    bound = {kind: _latest_base(due_of, limit)
             for kind, due_of in _due_functions(policy, holidays).items()}
    feedback = bound["feedback"]
    return and_(Case.status.not_in([s.value for s in CLOSED]), or_(
        and_(Case.acknowledged_on.is_(None), Case.received_on <= bound["acknowledge"]),
        and_(Case.decided_on.is_(None), Case.received_on <= bound["verification"]),
        and_(Case.received_on <= feedback,
             or_(Case.last_feedback_on.is_(None), Case.last_feedback_on <= feedback)),
        Case.received_on <= bound["resolution"],
    ))


def deadline_conditions(today: date, policy: DeadlinePolicy,
                        holidays: Set[date]) -> dict[str, ColumnElement[bool]]:
    """SQL conditions matching ``inbox_badge`` == overdue / due_soon as of ``today``."""
    overdue = _falls_due_by(today - timedelta(days=1), policy, holidays)
    # due_soon: due within due_soon_working_days working days, i.e. before the next one.
    soon_limit = add_working_days(today, policy.due_soon_working_days + 1,
                                  holidays) - timedelta(days=1)
    due = and_(not_(overdue), _falls_due_by(soon_limit, policy, holidays))
    return {"overdue": overdue, "due": due}


def _base_query(staff_id: int, role: str) -> Any:
    readable = and_(CaseGrant.case_id == Case.id, CaseGrant.staff_id == staff_id)
    if role == "investigator":
        readable = and_(readable, CaseGrant.reason.in_(ASSIGNED_REASONS))
    conflicted = exists().where(CaseConflict.case_id == Case.id,
                                CaseConflict.staff_id == staff_id)
    return (select(Case.code, Case.category, Case.status, Case.unit, Case.received_on,
                   Case.acknowledged_on, Case.decided_on, Case.last_feedback_on,
                   Case.closed_on, CaseGrant.reason, func.count().over().label("total"))
            .join(CaseGrant, readable).where(not_(conflicted)))


def _filtered(stmt: Any, filters: InboxFilters, today: date, policy: DeadlinePolicy,
              holidays: Set[date]) -> Any:
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.category:
        stmt = stmt.where(Case.category == filters.category)
    if filters.assigned_to_me:
        stmt = stmt.where(CaseGrant.reason.in_(ASSIGNED_REASONS))
    if filters.due in DUE_FILTERS:
        stmt = stmt.where(deadline_conditions(today, policy, holidays)[filters.due])
    if filters.sort == "received_asc":
        return stmt.order_by(Case.received_on.asc(), Case.id.asc())
    if filters.sort == "status":
        return stmt.order_by(case(_STATUS_ORDER, value=Case.status, else_=99),
                             Case.received_on.desc(), Case.id.desc())
    return stmt.order_by(Case.received_on.desc(), Case.id.desc())


def _row(values: Any, today: date, policy: DeadlinePolicy, holidays: Set[date]) -> InboxRow:
    try:
        deadlines = case_deadlines(values.received_on, values.status, values.acknowledged_on,
                                   values.decided_on, values.last_feedback_on,
                                   values.closed_on, policy, holidays, today=today)
    except DeadlineInputError:
        deadlines = []  # a closed case without its closing day: no badge rather than a 500
    return InboxRow(values.code, values.category, values.status, values.unit,
                    values.received_on, values.reason in ASSIGNED_REASONS,
                    inbox_badge(deadlines), next_due(deadlines))


def inbox(db: Session, *, staff_id: int, role: str, filters: InboxFilters,
          today: date) -> InboxPage:
    """One page of the cases ``staff_id`` may read (never a conflicted one), in one query."""
    if role not in INBOX_ROLES:
        return InboxPage([], 0, 1, filters.per_page)
    policy, holidays = inbox_policy(db)
    page = max(1, filters.page)
    stmt = _filtered(_base_query(staff_id, role), filters, today, policy, holidays)
    rows = db.execute(stmt.limit(filters.per_page)
                      .offset((page - 1) * filters.per_page)).all()
    total = int(rows[0].total) if rows else 0
    if not rows and page > 1:
        # Past the end (a stale link): the count still tells the reader where the end is.
        total = int(db.scalar(select(func.count()).select_from(
            _filtered(_base_query(staff_id, role), filters, today, policy, holidays)
            .order_by(None).subquery())) or 0)
    return InboxPage([_row(row, today, policy, holidays) for row in rows], total, page,
                     filters.per_page)
