"""Forwarding with four eyes: a supervisor holding the case asks, a second supervisor holding
it (never the requester) approves or refuses (``rules.RULES``); only the approval forwards.

The details (the receiving institution, its reference number, the reason the reporter will
read) are sealed under the case DEK and bound to the request's row: an approver reads them
on the case page, nothing else does. The audit log records request ids only, never the
details. The status change itself is case work (``casework/forward_approval.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.models import Case
from sipadu.confidential.models import (
    ApprovalAction,
    ApprovalRequest,
    ApprovalState,
    RequestReason,
)
from sipadu.confidential.pending import (
    expire_pending,
    holds_case,
    mark_decided,
    may_decide,
    open_request,
    still_pending,
)
from sipadu.confidential.rules import may_request
from sipadu.crypto import envelope

FORWARD = ApprovalAction.FORWARD_CASE
KIND_FORWARD_REQUEST = b"forward-request"


class ForwardRequestError(Exception):
    """Base class of refused forwarding requests and decisions."""


class ForwardNotAllowedError(ForwardRequestError):
    """Wrong role, not holding the case, or (deciding) the requester themselves."""


class DuplicateForwardRequestError(ForwardRequestError):
    """The case already has a forwarding request waiting for a decision."""


class ForwardRequestClosedError(ForwardRequestError):
    """No such pending forwarding request (decided, lapsed, or of another case)."""


@dataclass(frozen=True)
class ForwardDetails:
    """What a forwarding request asks for, as checked by the workflow when it was made."""

    destination: str
    reference: str | None
    reason: str | None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _binding(request: ApprovalRequest) -> envelope.Binding:
    # Bound to the row and its requester: details copied to another request do not open.
    return envelope.Binding(
        str(request.id).encode(), f"staff:{request.requested_by}", "forward-request"
    )


def seal_details(
    dek: bytes, case: Case, request: ApprovalRequest, details: ForwardDetails
) -> bytes:
    """The details sealed under the case DEK, bound to ``request`` (flushed: it has an id)."""
    plain = json.dumps(
        {
            "destination": details.destination,
            "reference": details.reference,
            "reason": details.reason,
        },
        separators=(",", ":"),
    ).encode()
    return envelope.seal(
        dek, plain, case_id=case.code, kind=KIND_FORWARD_REQUEST, binding=_binding(request)
    )


def open_details(dek: bytes, case: Case, request: ApprovalRequest) -> ForwardDetails:
    """The request's details; raises ``DecryptionError`` when they do not open as sealed."""
    plain = envelope.open_sealed(
        dek,
        request.details_sealed or b"",
        case_id=case.code,
        kind=KIND_FORWARD_REQUEST,
        binding=_binding(request),
    )
    document = json.loads(plain)
    return ForwardDetails(document["destination"], document["reference"], document["reason"])


def expire_forward_requests(db: Session, now: datetime) -> None:
    """Forwarding requests past their time become ``expired``."""
    expire_pending(db, FORWARD, now)


def pending_forward(db: Session, case: Case, now: datetime | None = None) -> ApprovalRequest | None:
    """The case's forwarding request still waiting for a decision, if any."""
    return db.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.action == FORWARD,
            ApprovalRequest.case_id == case.id,
            ApprovalRequest.state == ApprovalState.PENDING,
            ApprovalRequest.expires_at > _now(now),
        )
    )


def request_forward(
    db: Session,
    case: Case,
    dek: bytes,
    requester: StaffAccount,
    details: ForwardDetails,
    *,
    audit_key: bytes,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Ask a second supervisor to forward the case as ``details`` say (already checked
    against the workflow by the caller)."""
    moment = _now(now)
    expire_forward_requests(db, moment)
    if not (may_request(FORWARD, requester.role) and holds_case(db, case, requester)):
        raise ForwardNotAllowedError(requester.id)
    if pending_forward(db, case, moment) is not None:
        raise DuplicateForwardRequestError(case.code)
    # The list has no free text; the institution and the reason are in the sealed details.
    request = open_request(db, FORWARD, case, requester, RequestReason.OTHER_LEGAL_DUTY, moment)
    request.details_sealed = seal_details(dek, case, request, details)
    db.flush()
    record_event(
        db,
        audit_key,
        "case:forward_requested",
        actor=staff_actor(requester.id),
        case_code=case.code,
        detail={"request": request.id},
        now=moment,
    )
    return request


def decidable_forward(
    db: Session, request_id: int, decider: StaffAccount, case: Case, now: datetime | None = None
) -> ApprovalRequest:
    """The pending request ``decider`` may decide: of this case, another person's, and the
    decider a supervisor holding the case (``ForwardRequestError`` subclasses otherwise)."""
    expire_forward_requests(db, _now(now))
    request = still_pending(db, FORWARD, request_id, case.id)
    if request is None:
        raise ForwardRequestClosedError(request_id)
    if not may_decide(db, request, case, decider):
        raise ForwardNotAllowedError(decider.id)
    return request


def record_decision(
    db: Session,
    request: ApprovalRequest,
    case: Case,
    decider: StaffAccount,
    *,
    approve: bool,
    audit_key: bytes,
    now: datetime | None = None,
) -> None:
    """Mark the request approved (and used: the forwarding happens now) or refused."""
    moment = _now(now)
    mark_decided(request, decider, approve=approve, moment=moment)
    db.flush()
    record_event(
        db,
        audit_key,
        "case:forward_approved" if approve else "case:forward_refused",
        actor=staff_actor(decider.id),
        case_code=case.code,
        detail={"request": request.id, "requester": request.requested_by},
        now=moment,
    )
