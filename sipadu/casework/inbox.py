"""The staff inbox: the cases one person may read, from metadata only (nothing decrypted).

Three SQL queries answer a page: one for the rows (the reader's grants, the filters, including
"due soon" and "overdue" turned into date bounds, the sort and the page, plus one row to know
whether a next page exists), one for the total and one for the listed cases' assignees. The
total is counted only up to ``COUNT_CAP`` + 1 matching rows: an exact count of 50 000 overdue
cases checks 50 000 grants on every page view, and nobody reads "47 381" differently from
"more than 1,000".
The conditions themselves (who may read a case, which fall due) are in
``casework/case_conditions.py``.

Indexes this relies on at 100 000 cases (migration 0005, docs/performance.md):
case_grants(staff_id, reason, case_id), cases(received_on, id), cases(status, received_on), and
cases(status, received_on, acknowledged_on, decided_on, last_feedback_on) so that counting
"due" and "overdue" reads a narrow index instead of every case row with its ciphertext.
"""

from __future__ import annotations

from collections.abc import Collection, Set
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, not_, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.deadlines import (
    Deadline,
    DeadlineInputError,
    DeadlinePolicy,
    DeadlineState,
    case_deadlines,
    inbox_badge,
    next_due,
)
from sipadu.cases.kinds import ASSIGNED_REASONS
from sipadu.cases.models import Case, CaseConflict, CaseGrant
from sipadu.cases.statuses import Status
from sipadu.casework.case_conditions import (
    assigned_to,
    deadline_conditions,
    inbox_policy,
    objection_waiting,
    readable_by,
    reporter_replied,
)
from sipadu.roles import CASE_ROLES, StaffRole

# Grant reasons that make an investigator a case's assignee.
INBOX_ROLES = frozenset(CASE_ROLES)
SORTS = ("received_desc", "received_asc", "status")
DUE_FILTERS = ("due", "overdue")
PER_PAGE = 25
# Totals above this read "more than 1,000 cases"; paging then goes by next/previous links.
COUNT_CAP = 1000
_STATUS_ORDER = {status.value: index for index, status in enumerate(Status)}


@dataclass(frozen=True)
class InboxFilters:
    """What the reader asked for; unknown values are dropped by the form, never trusted."""

    status: str | None = None
    category: str | None = None
    assigned_to_me: bool = False
    due: str | None = None
    # Only cases whose latest message to or from the reporter is the reporter's.
    replied: bool = False
    # Only cases whose reporter objected to the decision and waits for the answer.
    objection: bool = False
    # A case code or its beginning ("SPD-7K"), upper case.
    code: str | None = None
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
    reporter_replied: bool = False
    objection_waiting: bool = False
    assignees: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox and how many cases match in all.

    When ``total_is_exact`` is false, more than ``total`` cases match (``total`` is the cap).
    """

    rows: list[InboxRow]
    total: int
    page: int
    per_page: int
    total_is_exact: bool = True
    has_next: bool = False

    @property
    def pages(self) -> int:
        """Pages known to exist (at least one, so "page 1 of 1" reads right when empty).

        Exact when the total is; otherwise the pages the cap proves, or up to the next page
        when the reader has gone past them.
        """
        if self.total_is_exact:
            return max(1, -(-self.total // self.per_page))
        proven = -(-(self.total + 1) // self.per_page)
        reached = self.page + 1 if self.has_next else (self.page if self.rows else 0)
        return max(proven, reached)


def _base_query(staff_id: int, role: str) -> Any:
    # Cases drive the query and the grant is a correlated lookup (unique on case and staff):
    # the database can then walk cases(received_on, id) in day order, sort only each day's
    # cases by code, and stop after one page, instead of joining and sorting every grant.
    reason = (
        select(CaseGrant.reason)
        .where(CaseGrant.case_id == Case.id, CaseGrant.staff_id == staff_id)
        .scalar_subquery()
        .label("reason")
    )
    return select(
        Case.code,
        Case.category,
        Case.status,
        Case.unit,
        Case.received_on,
        Case.acknowledged_on,
        Case.decided_on,
        Case.last_feedback_on,
        Case.closed_on,
        reason,
        reporter_replied().label("replied"),
        objection_waiting().label("objection"),
    ).where(readable_by(staff_id, role))


def _conditions(
    filters: InboxFilters, staff_id: int, today: date, policy: DeadlinePolicy, holidays: Set[date]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.status:
        conditions.append(Case.status == filters.status)
    if filters.category:
        conditions.append(Case.category == filters.category)
    if filters.assigned_to_me:
        conditions.append(assigned_to(staff_id))
    if filters.due in DUE_FILTERS:
        conditions.append(deadline_conditions(today, policy, holidays)[filters.due])
    if filters.replied:
        conditions.append(reporter_replied())
    if filters.objection:
        conditions.append(objection_waiting())
    if filters.code:
        conditions.append(Case.code.startswith(filters.code, autoescape=True))
    return conditions


def _sorted(stmt: Any, filters: InboxFilters) -> Any:
    # Reports of one day are ordered by their random code, never by the row id: that counts
    # up in arrival order and would rank a reporter's filing within its day (docs/audit.md).
    # The code is unique, so paging stays stable.
    if filters.sort == "received_asc":
        return stmt.order_by(Case.received_on.asc(), Case.code.asc())
    if filters.sort == "status":
        return stmt.order_by(
            case(_STATUS_ORDER, value=Case.status, else_=99),
            Case.received_on.desc(),
            Case.code.asc(),
        )
    return stmt.order_by(Case.received_on.desc(), Case.code.asc())


def _row(values: Any, today: date, policy: DeadlinePolicy, holidays: Set[date]) -> InboxRow:
    try:
        deadlines = case_deadlines(
            values.received_on,
            values.status,
            values.acknowledged_on,
            values.decided_on,
            values.last_feedback_on,
            values.closed_on,
            policy,
            holidays,
            today=today,
        )
    except DeadlineInputError:
        deadlines = []  # a closed case without its closing day: no badge rather than a 500
    return InboxRow(
        values.code,
        values.category,
        values.status,
        values.unit,
        values.received_on,
        values.reason in ASSIGNED_REASONS,
        inbox_badge(deadlines),
        next_due(deadlines),
        bool(values.replied),
        bool(values.objection),
    )


def _on_cases(filters: InboxFilters) -> bool:
    """The filters that read the case rows (the count cannot walk grants alone)."""
    return filters.replied or filters.objection or bool(filters.code)


def assignees_of(db: Session, codes: list[str]) -> dict[str, tuple[str, ...]]:
    """The assigned investigators of each case listed, by username (one query)."""
    if not codes:
        return {}
    rows = db.execute(
        select(Case.code, StaffAccount.username)
        .join(CaseGrant, CaseGrant.case_id == Case.id)
        .join(StaffAccount, StaffAccount.id == CaseGrant.staff_id)
        .where(Case.code.in_(codes), CaseGrant.reason.in_(ASSIGNED_REASONS))
        .order_by(StaffAccount.username)
    )
    found: dict[str, list[str]] = {}
    for code, username in rows:
        found.setdefault(code, []).append(username)
    return {code: tuple(names) for code, names in found.items()}


def _count(
    db: Session,
    staff_id: int,
    role: str,
    conditions: list[ColumnElement[bool]],
    filters: InboxFilters,
    cap: int,
) -> int:
    """How many cases match, counting no further than ``cap`` + 1. Without a condition on
    the cases themselves this walks the reader's grants (minus the conflicted ones) on the
    grants index alone."""
    if filters.status or filters.category or filters.due in DUE_FILTERS or _on_cases(filters):
        matching = (
            select(literal(1)).select_from(Case).where(readable_by(staff_id, role), *conditions)
        )
    else:
        conflicted = select(CaseConflict.case_id).where(
            CaseConflict.case_id == CaseGrant.case_id, CaseConflict.staff_id == staff_id
        )
        matching = (
            select(literal(1))
            .select_from(CaseGrant)
            .where(CaseGrant.staff_id == staff_id, not_(conflicted.exists()))
        )
        if role == StaffRole.INVESTIGATOR or filters.assigned_to_me:
            matching = matching.where(CaseGrant.reason.in_(ASSIGNED_REASONS))
    capped = matching.limit(cap + 1).subquery()
    return int(db.scalar(select(func.count()).select_from(capped)) or 0)


def inbox(
    db: Session,
    *,
    staff_id: int,
    role: str,
    filters: InboxFilters,
    today: date,
    count_cap: int | None = None,
) -> InboxPage:
    """One page of the cases ``staff_id`` may read (never a conflicted one), and the total
    up to ``count_cap`` (default ``COUNT_CAP``; beyond it, ``total_is_exact`` is false and
    ``total`` is the cap).

    Page and total are two queries: a window count over the page query would make the
    database build and sort every matching row before returning the first 25.
    """
    if role not in INBOX_ROLES:
        return InboxPage([], 0, 1, filters.per_page)
    policy, holidays = inbox_policy(db)
    page = max(1, filters.page)
    conditions = _conditions(filters, staff_id, today, policy, holidays)
    stmt = _sorted(_base_query(staff_id, role).where(*conditions), filters)
    rows = db.execute(stmt.limit(filters.per_page + 1).offset((page - 1) * filters.per_page)).all()
    cap = COUNT_CAP if count_cap is None else count_cap
    counted = _count(db, staff_id, role, conditions, filters, cap)
    exact = counted <= cap
    listed = [_row(row, today, policy, holidays) for row in rows[: filters.per_page]]
    names = assignees_of(db, [row.code for row in listed])
    return InboxPage(
        [replace(row, assignees=names.get(row.code, ())) for row in listed],
        counted if exact else cap,
        page,
        filters.per_page,
        total_is_exact=exact,
        has_next=len(rows) > filters.per_page,
    )


# The home page's counts: what needs someone's action, each a filtered inbox view.
ACTION_FILTERS: dict[str, InboxFilters] = {
    "new": InboxFilters(status=Status.DITERIMA.value),
    "due": InboxFilters(due="due"),
    "overdue": InboxFilters(due="overdue"),
    "replied": InboxFilters(replied=True),
    "awaiting": InboxFilters(status=Status.PERLU_DILENGKAPI.value),
    "objection": InboxFilters(objection=True),
}
# Counts only those who may act on them see: only a supervisor answers an objection.
ACTION_ROLES: dict[str, frozenset[str]] = {"objection": frozenset({StaffRole.SUPERVISOR})}


def action_counts(
    db: Session,
    *,
    staff_id: int,
    role: str,
    today: date,
    cap: int = COUNT_CAP,
    kinds: Collection[str] | None = None,
) -> dict[str, int]:
    """How many of the cases ``staff_id`` may read need action, per ``ACTION_FILTERS`` kind
    (only ``kinds`` when given, and only those ``ACTION_ROLES`` give ``role``; each counted up
    to ``cap`` + 1, like the inbox total)."""
    if role not in INBOX_ROLES:
        return {}
    policy, holidays = inbox_policy(db)
    return {
        kind: _count(db, staff_id, role, _conditions(f, staff_id, today, policy, holidays), f, cap)
        for kind, f in ACTION_FILTERS.items()
        if (kinds is None or kind in kinds) and role in ACTION_ROLES.get(kind, INBOX_ROLES)
    }
