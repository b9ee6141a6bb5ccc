"""The approvers' queues: four-eyes requests waiting for a decision, still in time; and the
checks and bookkeeping every decision of a case worker's request shares (forwarding,
publishing a redaction)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.models import Case
from sipadu.cases.service import grant_for, is_conflicted
from sipadu.confidential.models import (
    ApprovalAction,
    ApprovalRequest,
    ApprovalState,
    RequestReason,
)
from sipadu.confidential.rules import may_approve

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


def expire_pending(db: Session, action: ApprovalAction, now: datetime) -> None:
    """Pending requests of ``action`` past their time become ``expired``."""
    for row in db.scalars(
        select(ApprovalRequest).where(
            ApprovalRequest.action == action,
            ApprovalRequest.state == ApprovalState.PENDING,
            ApprovalRequest.expires_at <= now,
        )
    ):
        row.state = ApprovalState.EXPIRED
    db.flush()


def still_pending(
    db: Session, action: ApprovalAction, request_id: int, case_id: int | None
) -> ApprovalRequest | None:
    """The request when it is of ``action``, still pending (expire first) and, with
    ``case_id``, of that case; ``None`` otherwise."""
    request = db.get(ApprovalRequest, request_id)
    if request is None or request.action != action or request.state != ApprovalState.PENDING:
        return None
    if case_id is not None and request.case_id != case_id:
        return None
    return request


def holds_case(db: Session, case: Case, account: StaffAccount) -> bool:
    """An active account with a grant on the case and no conflict of interest with it."""
    return (
        account.active
        and grant_for(db, case, account.id) is not None
        and not is_conflicted(db, case, account.id)
    )


def may_decide(db: Session, request: ApprovalRequest, case: Case, decider: StaffAccount) -> bool:
    """The four-eyes rule allows ``decider`` (the approving role, not the requester), and
    they hold the case themselves: they read what they decide."""
    allowed = may_approve(
        request.action,
        requester_id=request.requested_by,
        approver_id=decider.id,
        approver_role=decider.role,
    )
    return allowed and holds_case(db, case, decider)


def mark_decided(
    request: ApprovalRequest, decider: StaffAccount, *, approve: bool, moment: datetime
) -> None:
    """Approved and used at once (what was asked happens now), or refused."""
    request.state = ApprovalState.APPROVED if approve else ApprovalState.REFUSED
    request.decided_by, request.decided_at = decider.id, moment
    if approve:
        request.used_at = moment
