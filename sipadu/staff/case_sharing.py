"""Supervisors share the open cases they hold with an approved colleague, and the count of
open cases nobody can read (``sipadu/staff/activation.py`` decides who is approved)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, aliased

from sipadu.accounts.models import StaffAccount, case_reader_clause
from sipadu.audit.actors import staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import Case, CaseConflict, CaseGrant
from sipadu.cases.statuses import CLOSED
from sipadu.crypto import grants
from sipadu.crypto.errors import DecryptionError
from sipadu.staff.activation import (
    NotAnApproverError,
    NotAwaitingApprovalError,
    is_approved_supervisor,
)
from sipadu.units.service import member_unit_code


@dataclass(frozen=True)
class SharedCases:
    """What ``share_open_cases`` did: cases granted, cases skipped (conflict, old grant)."""

    shared: int
    skipped: int


def _open_status() -> ColumnElement[bool]:
    return Case.status.not_in([str(status) for status in CLOSED])


def open_cases_held(db: Session, staff_id: int) -> int:
    """How many open cases ``staff_id`` holds a grant for (counts only)."""
    return (
        db.scalar(
            select(func.count(Case.id))
            .join(CaseGrant, CaseGrant.case_id == Case.id)
            .where(CaseGrant.staff_id == staff_id, _open_status())
        )
        or 0
    )


def approved_supervisors(db: Session, *, besides: int) -> list[StaffAccount]:
    """Approved supervisors other than ``besides`` (whom one may share cases with)."""
    return list(
        db.scalars(
            select(StaffAccount)
            .where(case_reader_clause(), StaffAccount.id != besides)
            .order_by(StaffAccount.username)
        )
    )


def _shareable(db: Session, sharer_id: int, target_id: int) -> list[tuple[Case, CaseGrant]]:
    theirs = aliased(CaseGrant)  # the outer query joins case_grants too
    target_has = exists().where(theirs.case_id == Case.id, theirs.staff_id == target_id)
    conflicted = exists().where(
        CaseConflict.case_id == Case.id, CaseConflict.staff_id.in_([sharer_id, target_id])
    )
    query = (
        select(Case, CaseGrant)
        .join(CaseGrant, CaseGrant.case_id == Case.id)
        .where(CaseGrant.staff_id == sharer_id, _open_status(), ~target_has, ~conflicted)
        .order_by(Case.code)  # not filing order
    )
    target = db.get(StaffAccount, target_id)
    unit = member_unit_code(db, target) if target is not None else None
    if unit is not None:  # a regional supervisor gets their unit's cases, not the sharer's all
        query = query.where(Case.unit == unit)
    rows = db.execute(query).all()
    return [(case, grant) for case, grant in rows]


def share_open_cases(
    db: Session,
    sharer_id: int,
    private_key: bytes,
    target_id: int,
    *,
    audit_key: bytes,
    now: datetime | None = None,
) -> SharedCases:
    """Grant the approved supervisor ``target_id`` every open case ``sharer_id`` holds.

    Closed and archived cases are not shared (they need no more work; the escrow holder can
    grant one if it must be reopened), nor cases where either person is conflicted. One audit
    event with the count, no case codes in it."""
    sharer, target = db.get(StaffAccount, sharer_id), db.get(StaffAccount, target_id)
    if not is_approved_supervisor(sharer):
        raise NotAnApproverError(sharer_id)
    if sharer_id == target_id or target is None or not is_approved_supervisor(target):
        raise NotAwaitingApprovalError(target_id)
    moment = now or datetime.now(UTC)
    shared = skipped = 0
    for case, grant in _shareable(db, sharer_id, target_id):
        try:
            wrapped = grants.rewrap_grant(
                grant.wrapped_dek, private_key, target.public_key, case_id=case.code
            )
        except DecryptionError:
            skipped += 1  # a grant for an older key pair of the sharer: it opens nothing
            continue
        db.add(
            CaseGrant(
                case_id=case.id,
                staff_id=target_id,
                reason=GrantReason.SUPERVISOR,
                wrapped_dek=wrapped,
                granted_by=sharer_id,
                created_at=moment,
            )
        )
        shared += 1
    record_event(
        db,
        audit_key,
        "grant:shared",
        actor=staff_actor(sharer_id),
        detail={"target": target_id, "cases": shared},
    )
    db.flush()
    return SharedCases(shared, skipped)


def shareable_count(db: Session, sharer_id: int, target_id: int) -> int:
    """How many open cases ``share_open_cases`` would offer (for the button's label)."""
    return len(_shareable(db, sharer_id, target_id))


def unreadable_open_case_count(db: Session) -> int:
    """Open cases no active staff member holds a grant for (only the escrow key opens them)."""
    readable = exists().where(
        CaseGrant.case_id == Case.id,
        CaseGrant.staff_id == StaffAccount.id,
        StaffAccount.active.is_(True),
        StaffAccount.password_hash != "",
    )
    return db.scalar(select(func.count(Case.id)).where(_open_status(), ~readable)) or 0
