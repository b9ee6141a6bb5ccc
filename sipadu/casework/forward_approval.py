"""Forwarding behind four eyes, for the case page and the staff API: asking checks the
forwarding against the workflow now (bad input is refused before anyone is asked), the
approval forwards the case through the one workflow gate, ``service.change_status``, in the
approver's name. The request and its sealed details: ``confidential/forward_request.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.statuses import Status
from sipadu.cases.workflow import check_transition
from sipadu.casework import service
from sipadu.casework.access import Actor, OpenCase
from sipadu.confidential import forward_request as requests
from sipadu.confidential.models import ApprovalRequest
from sipadu.crypto.errors import DecryptionError
from sipadu.roles import StaffRole

NOT_ALLOWED_TEXT = lazy_gettext(
    "Another supervisor who holds the case must decide this forwarding request."
)
CLOSED_TEXT = lazy_gettext("This forwarding request is no longer waiting for a decision.")
DUPLICATE_TEXT = lazy_gettext(
    "A forwarding request for this case already waits for a second supervisor."
)
UNVERIFIED_TEXT = lazy_gettext(
    "The details of this forwarding request could not be verified. Refuse it and ask again."
)


class ForwardRequestRefusedError(service.CaseworkError):
    """Asking or deciding was refused; the message says why."""

    http_status = 409


class ForwardDeciderError(ForwardRequestRefusedError):
    """The decider is the requester, not a supervisor, or does not hold the case."""

    http_status = 403


def _account(db: Session, actor: Actor) -> StaffAccount:
    account = db.get(StaffAccount, actor.staff_id)
    assert account is not None  # noqa: S101 - the session's own account
    return account


def ask_forward(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    *,
    destination: str | None,
    reference: str | None,
    reason: str | None,
    audit_key: bytes,
) -> ApprovalRequest:
    """Check the forwarding as the workflow would make it, then ask a second supervisor
    (``WorkflowError`` for bad input or a forbidden step, nothing stored)."""
    transition = check_transition(
        opened.case.status,
        Status.DITERUSKAN,
        actor.role,
        reason=reason,
        destination=destination,
        reference=reference,
        objection_pending=service.objection_pending(db, opened),
    )
    assert transition.destination is not None  # noqa: S101 - checked by the workflow
    details = requests.ForwardDetails(
        transition.destination.value, transition.reference, transition.reason
    )
    try:
        return requests.request_forward(
            db, opened.case, opened.dek, _account(db, actor), details, audit_key=audit_key
        )
    except requests.DuplicateForwardRequestError:
        raise ForwardRequestRefusedError(DUPLICATE_TEXT) from None
    except requests.ForwardNotAllowedError:
        raise ForwardDeciderError(NOT_ALLOWED_TEXT) from None


def decide_forward(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    request_id: int,
    *,
    approve: bool,
    audit_key: bytes,
) -> None:
    """Approve (the case is forwarded now, as the request says) or refuse the request."""
    account = _account(db, actor)
    try:
        request = requests.decidable_forward(db, request_id, account, opened.case)
    except requests.ForwardNotAllowedError:
        raise ForwardDeciderError(NOT_ALLOWED_TEXT) from None
    except requests.ForwardRequestError:
        raise ForwardRequestRefusedError(CLOSED_TEXT) from None
    details = None
    if approve:
        try:
            details = requests.open_details(opened.dek, opened.case, request)
        except DecryptionError:
            raise ForwardRequestRefusedError(UNVERIFIED_TEXT) from None
    requests.record_decision(
        db, request, opened.case, account, approve=approve, audit_key=audit_key
    )
    if details is not None:
        service.change_status(
            db,
            opened,
            actor,
            Status.DITERUSKAN,
            reason=details.reason,
            destination=details.destination,
            reference=details.reference,
            audit_key=audit_key,
        )


@dataclass(frozen=True)
class PendingForward:
    """A forwarding request as the case page shows it to a supervisor holding the case."""

    request_id: int
    requester: str
    mine: bool
    until: datetime
    # None when the sealed details do not open (then only refusing makes sense).
    details: requests.ForwardDetails | None


def pending_forward_panel(db: Session, opened: OpenCase, actor: Actor) -> PendingForward | None:
    """The case's waiting forwarding request, for supervisors; ``None`` without one."""
    if actor.role != StaffRole.SUPERVISOR:
        return None
    request = requests.pending_forward(db, opened.case)
    if request is None:
        return None
    requester = db.get(StaffAccount, request.requested_by)
    try:
        details: requests.ForwardDetails | None = requests.open_details(
            opened.dek, opened.case, request
        )
    except DecryptionError:
        details = None
    return PendingForward(
        request.id,
        requester.username if requester is not None else "—",
        request.requested_by == actor.staff_id,
        request.expires_at,
        details,
    )
