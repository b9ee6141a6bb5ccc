"""Exporting a case with four eyes, and verifying a copy against the audit chain.

1. ``request_export``: a case worker asks (reason from the fixed list).
2. ``decide_export``: a supervisor other than the requester approves or refuses
   (``rules.RULES``); an approval allows one export within ``EXPORT_TTL``.
3. ``export_content`` (in the request's transaction) then, with no transaction open, the
   view builds and encrypts the package (``package.py``), then ``record_export`` marks the
   approval used and records ``export:issued`` with the package's SHA-256 in the chain.
4. ``find_issued``: whether a file is exactly a package SIPADU issued, from the chain alone.

The *full* view for an outside body holds the report, the timeline, the messages exchanged
with the reporter and the files; never internal notes, never the sealed identity. The
*redacted* view applies the case's published redaction (``redaction_publish.py``) to every
text and withholds the files; it cannot be asked for before a redaction is published. The
supervisor approves one view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import staff_actor
from sipadu.audit.models import AuditEvent
from sipadu.audit.service import record_event, verify_chain
from sipadu.cases.models import Case
from sipadu.cases.service import grant_for, is_conflicted
from sipadu.confidential.models import (
    ApprovalAction,
    ApprovalRequest,
    ApprovalState,
    ExportView,
    RedactionState,
    RequestReason,
)
from sipadu.confidential.package import PackageFile, Section
from sipadu.confidential.pending import open_request
from sipadu.confidential.redaction_marks import redaction_row
from sipadu.confidential.redaction_publish import NoPublishedRedactionError
from sipadu.confidential.rules import may_approve, may_request
from sipadu.days import wib_day

EXPORT = ApprovalAction.EXPORT_CASE
EXPORT_TTL = timedelta(hours=48)
ISSUED_TAG = "export:issued"


class ExportError(Exception):
    """Base class of refused export requests, decisions and exports."""


class ExportNotAllowedError(ExportError):
    """Wrong role, not handling the case, or (deciding) the requester themselves."""


class ExportRequestClosedError(ExportError):
    """No such pending request, or no live approval to export with."""


class ExportRequestNotFoundError(ExportRequestClosedError):
    """No export request has this id."""


class AgencyGetsRedactedExportError(ExportError):
    """The reported agency may receive only a redacted export: reporters often work there."""


class DuplicateExportRequestError(ExportError):
    """The requester already has a pending or live approved export request on this case."""


@dataclass(frozen=True)
class ExportContent:
    """What goes into the package, read in the request's transaction."""

    request_id: int
    code: str
    title: str
    sections: list[Section]
    files: list[PackageFile] = field(repr=False)
    view: ExportView = ExportView.FULL


@dataclass(frozen=True)
class IssuedPackage:
    """What the chain says about a package: the day and the case."""

    day: date
    case_code: str


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def expire_exports(db: Session, now: datetime) -> None:
    """Pending requests and unused approvals past their time become ``expired``."""
    for row in db.scalars(
        select(ApprovalRequest).where(
            ApprovalRequest.action == EXPORT,
            ApprovalRequest.state.in_([ApprovalState.PENDING, ApprovalState.APPROVED]),
            ApprovalRequest.expires_at <= now,
        )
    ):
        row.state = ApprovalState.EXPIRED
    db.flush()


def live_export_request(
    db: Session, case: Case, staff_id: int, now: datetime | None = None
) -> ApprovalRequest | None:
    """The staff member's pending or approved, unused export request on this case."""
    return db.scalar(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.action == EXPORT,
            ApprovalRequest.case_id == case.id,
            ApprovalRequest.requested_by == staff_id,
            ApprovalRequest.state.in_([ApprovalState.PENDING, ApprovalState.APPROVED]),
            ApprovalRequest.expires_at > _now(now),
            ApprovalRequest.used_at.is_(None),
        )
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )


def handles_export(db: Session, case: Case, account: StaffAccount) -> bool:
    """A case worker who may ask: role allowed, holds a grant on the case, not conflicted."""
    return (
        may_request(EXPORT, account.role)
        and grant_for(db, case, account.id) is not None
        and not is_conflicted(db, case, account.id)
    )


def request_export(
    db: Session,
    case: Case,
    requester: StaffAccount,
    reason: RequestReason,
    *,
    audit_key: bytes,
    view: ExportView = ExportView.FULL,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Ask a supervisor to approve exporting this case in ``view`` (full or redacted)."""
    moment = _now(now)
    expire_exports(db, moment)
    if not handles_export(db, case, requester):
        raise ExportNotAllowedError(requester.id)
    if live_export_request(db, case, requester.id, moment) is not None:
        raise DuplicateExportRequestError(case.code)
    if reason == RequestReason.AGENCY_CLARIFY and view != ExportView.REDACTED:
        raise AgencyGetsRedactedExportError(case.code)
    if view == ExportView.REDACTED and redaction_row(db, case, RedactionState.PUBLISHED) is None:
        raise NoPublishedRedactionError(case.code)
    request = open_request(db, EXPORT, case, requester, reason, moment, scope=view.value)
    record_event(
        db,
        audit_key,
        "export:requested",
        actor=staff_actor(requester.id),
        case_code=case.code,
        detail={"request": request.id, "reason": reason.value, "view": view.value},
        now=moment,
    )
    return request


def decide_export(
    db: Session,
    request_id: int,
    decider: StaffAccount,
    *,
    approve: bool,
    audit_key: bytes,
    now: datetime | None = None,
) -> ApprovalRequest:
    """A supervisor other than the requester approves (one export within EXPORT_TTL) or
    refuses a pending export request."""
    moment = _now(now)
    expire_exports(db, moment)
    request = db.get(ApprovalRequest, request_id)
    if request is None or request.action != EXPORT:
        raise ExportRequestNotFoundError(request_id)
    if request.state != ApprovalState.PENDING:
        raise ExportRequestClosedError(request_id)
    allowed = may_approve(
        EXPORT,
        requester_id=request.requested_by,
        approver_id=decider.id,
        approver_role=decider.role,
    )
    if not allowed or not decider.active:
        raise ExportNotAllowedError(decider.id)
    request.state = ApprovalState.APPROVED if approve else ApprovalState.REFUSED
    request.decided_by, request.decided_at = decider.id, moment
    if approve:
        request.expires_at = moment + EXPORT_TTL
    case = db.get(Case, request.case_id)
    record_event(
        db,
        audit_key,
        "export:approved" if approve else "export:refused",
        actor=staff_actor(decider.id),
        case_code=case.code if case is not None else None,
        detail={"request": request.id, "requester": request.requested_by},
        now=moment,
    )
    return request


def record_export(
    db: Session,
    content: ExportContent,
    requester_id: int,
    digest: str,
    *,
    mode: str,
    audit_key: bytes,
    now: datetime | None = None,
) -> None:
    """Mark the approval used (one export each) and put the package's SHA-256 in the chain."""
    request = db.get(ApprovalRequest, content.request_id)
    if request is None or request.used_at is not None or request.state != ApprovalState.APPROVED:
        raise ExportRequestClosedError(content.code)
    moment = _now(now)
    request.used_at = moment
    record_event(
        db,
        audit_key,
        ISSUED_TAG,
        actor=staff_actor(requester_id),
        case_code=content.code,
        detail={
            "request": request.id,
            "digest": digest,
            "to": mode,
            "view": content.view.value,
        },
        now=moment,
    )


def find_issued(db: Session, digest: str, audit_key: bytes) -> IssuedPackage | None:
    """The day and case of the ``export:issued`` event naming this SHA-256, if the audit
    chain verifies; None when no intact chain records it."""
    if not verify_chain(db, audit_key).ok:
        return None
    for event in db.scalars(
        select(AuditEvent).where(AuditEvent.tag == ISSUED_TAG, AuditEvent.detail.contains(digest))
    ):
        detail = json.loads(event.detail or "{}")
        if detail.get("digest") == digest and event.case_code:
            return IssuedPackage(wib_day(event.occurred_at), event.case_code)
    return None
