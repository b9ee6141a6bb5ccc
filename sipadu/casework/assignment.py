"""Who works on a case: a supervisor assigns and unassigns investigators, anyone with the
case declares their own conflict of interest, a supervisor marks someone else's. Like the
rest of ``casework/service.py``, each function records its audit event in the caller's
transaction and raises a named error the views turn into a message.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.kinds import ASSIGNED_REASONS, GrantReason
from sipadu.cases.models import CaseConflict
from sipadu.cases.service import grant_case, grant_for, is_conflicted, revoke_grant
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.service import (
    AssignmentError,
    NotSupervisorError,
    audit_case_event,
    now_or,
    refuse_if_archived,
)
from sipadu.roles import CASE_ROLES, StaffRole

CONFLICT_ROLES = CASE_ROLES


def _account(db: Session, username: str, roles: tuple[str, ...]) -> StaffAccount | None:
    return db.scalar(
        select(StaffAccount).where(
            StaffAccount.username == username.strip()[:64],
            StaffAccount.active.is_(True),
            StaffAccount.role.in_(roles),
        )
    )


def _require_supervisor(actor: Actor) -> None:
    if actor.role != StaffRole.SUPERVISOR:
        raise NotSupervisorError(lazy_gettext("Only a supervisor may do this."))


def assign(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    username: str,
    *,
    audit_key: bytes,
    now: datetime | None = None,
) -> StaffAccount:
    """Give an investigator the case: the DEK re-wrapped for their public key."""
    _require_supervisor(actor)
    refuse_if_archived(opened)
    target = _account(db, username, (StaffRole.INVESTIGATOR,))
    if target is None:
        raise AssignmentError(lazy_gettext("No active investigator has that username."))
    if is_conflicted(db, opened.case, target.id):
        raise AssignmentError(
            lazy_gettext(
                "This investigator has a conflict of interest in this case and cannot be assigned."
            )
        )
    grant_case(
        db,
        opened.case,
        opened.dek,
        target,
        reason=GrantReason.ASSIGNMENT,
        granted_by=actor.staff_id,
        now=now,
    )
    audit_case_event(
        db,
        audit_key,
        "grant:created",
        actor,
        opened,
        {"grantee": target.id, "reason": GrantReason.ASSIGNMENT},
    )
    return target


def unassign(
    db: Session, opened: OpenCase, actor: Actor, username: str, *, audit_key: bytes
) -> StaffAccount:
    """Take the case away from an investigator: their grant is deleted."""
    _require_supervisor(actor)
    refuse_if_archived(opened)
    target = db.scalar(select(StaffAccount).where(StaffAccount.username == username[:64]))
    grant = grant_for(db, opened.case, target.id) if target is not None else None
    if target is None or grant is None or grant.reason not in ASSIGNED_REASONS:
        raise AssignmentError(lazy_gettext("That person is not assigned to this case."))
    revoke_grant(db, opened.case, target.id)
    audit_case_event(db, audit_key, "grant:revoked", actor, opened, {"grantee": target.id})
    return target


def _exclude(
    db: Session, opened: OpenCase, staff_id: int, marked_by: int, now: datetime | None
) -> None:
    if not is_conflicted(db, opened.case, staff_id):
        db.add(
            CaseConflict(
                case_id=opened.case.id,
                staff_id=staff_id,
                marked_by=marked_by,
                created_at=now_or(now),
            )
        )
    revoke_grant(db, opened.case, staff_id)
    db.flush()


def declare_conflict(
    db: Session, opened: OpenCase, actor: Actor, *, audit_key: bytes, now: datetime | None = None
) -> None:
    """The actor declares a conflict of interest: their own grant is deleted at once."""
    _exclude(db, opened, actor.staff_id, actor.staff_id, now)
    audit_case_event(db, audit_key, "conflict:declared", actor, opened)


def mark_conflict(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    username: str,
    *,
    audit_key: bytes,
    now: datetime | None = None,
) -> StaffAccount:
    """A supervisor marks someone else as conflicted: that person loses the case."""
    _require_supervisor(actor)
    if not username:  # the menu's "Choose…" left as it was
        raise AssignmentError(lazy_gettext("Choose the person who has a conflict of interest."))
    target = _account(db, username, CONFLICT_ROLES)
    if target is None:
        raise AssignmentError(
            lazy_gettext("No active supervisor or investigator has that username.")
        )
    _exclude(db, opened, target.id, actor.staff_id, now)
    audit_case_event(db, audit_key, "conflict:marked", actor, opened, {"staff": target.id})
    return target
