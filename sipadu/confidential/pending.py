"""The approvers' queues: four-eyes requests waiting for a decision, still in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.models import Case
from sipadu.confidential.models import (
    ApprovalAction,
    ApprovalRequest,
    ApprovalState,
    RequestReason,
)

# Every four-eyes request lapses after a week: long enough for a colleague's days off, short
# enough that what is approved is still what the case is.
REQUEST_TTL = timedelta(days=7)


def open_request(
    db: Session,
    action: ApprovalAction,
    case: Case,
    requester: StaffAccount,
    reason: RequestReason,
    moment: datetime,
    *,
    scope: str | None = None,
) -> ApprovalRequest:
    """A new pending four-eyes request, flushed so that its id can be audited and sealed to."""
    request = ApprovalRequest(
        action=action,
        case_id=case.id,
        requested_by=requester.id,
        requester_role=requester.role,
        reason=reason,
        scope=scope,
        state=ApprovalState.PENDING,
        created_at=moment,
        expires_at=moment + REQUEST_TTL,
    )
    db.add(request)
    db.flush()
    return request


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def pending_identity_requests(db: Session, now: datetime | None = None) -> list[ApprovalRequest]:
    """Identity requests waiting for a custodian, oldest first (metadata only)."""
    moment = _now(now)
    return list(
        db.scalars(
            select(ApprovalRequest)
            .where(
                ApprovalRequest.action == ApprovalAction.OPEN_IDENTITY,
                ApprovalRequest.state == ApprovalState.PENDING,
                ApprovalRequest.expires_at > moment,
            )
            .order_by(ApprovalRequest.id)
        )
    )


def pending_count(
    db: Session,
    actions: tuple[ApprovalAction, ...],
    now: datetime | None = None,
    *,
    not_asked_by: int | None = None,
) -> int:
    """How many live pending requests of these actions wait (the home page's count); with
    ``not_asked_by``, that person's own requests (which they may never decide) are left out."""
    if not actions:
        return 0
    query = select(func.count(ApprovalRequest.id)).where(
        ApprovalRequest.action.in_(actions),
        ApprovalRequest.state == ApprovalState.PENDING,
        ApprovalRequest.expires_at > _now(now),
    )
    if not_asked_by is not None:
        query = query.where(ApprovalRequest.requested_by != not_asked_by)
    return db.scalar(query) or 0


def pending_of(
    db: Session, action: ApprovalAction, now: datetime | None = None
) -> list[ApprovalRequest]:
    """Requests of one kind (export, redaction publication, forwarding) still waiting for a
    supervisor, oldest first."""
    return list(
        db.scalars(
            select(ApprovalRequest)
            .where(
                ApprovalRequest.action == action,
                ApprovalRequest.state == ApprovalState.PENDING,
                ApprovalRequest.expires_at > _now(now),
            )
            .order_by(ApprovalRequest.id)
        )
    )
