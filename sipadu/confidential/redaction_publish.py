"""Publishing a redaction with four eyes: the case worker who saved the draft asks, a
supervisor other than them who holds the case approves (``rules.RULES``), and the draft
becomes the published redaction that redacted exports carry (``published_redactor``).

Steps are audited with ids and counts only, never a marked text.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.models import Case
from sipadu.confidential.models import (
    ApprovalRequest,
    CaseRedaction,
    RedactionState,
    RequestReason,
)
from sipadu.confidential.pending import (
    expire_pending,
    mark_decided,
    may_decide,
    open_request,
    still_pending,
)
from sipadu.confidential.redaction_marks import (
    PUBLISH,
    RedactionError,
    RedactionNotAllowedError,
    handles_redaction,
    open_marks,
    pending_request,
    redaction_row,
)
from sipadu.confidential.redaction_texts import Redactor, coded_values
from sipadu.crypto.errors import DecryptionError


class NoDraftError(RedactionError):
    """No draft to publish, or the draft is someone else's last save."""


class DuplicatePublicationError(RedactionError):
    """The draft already waits for a supervisor."""


class PublicationClosedError(RedactionError):
    """No such pending publication request (decided, withdrawn or lapsed)."""


class NoPublishedRedactionError(RedactionError):
    """The case has no published redaction: a redacted export cannot be made."""


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def expire_publications(db: Session, now: datetime) -> None:
    """Publication requests past their time become ``expired``."""
    expire_pending(db, PUBLISH, now)


def request_publication(
    db: Session, case: Case, requester: StaffAccount, *, audit_key: bytes, now: datetime | None
) -> ApprovalRequest:
    """Ask a supervisor to publish the draft the requester saved last."""
    moment = _now(now)
    expire_publications(db, moment)
    if not handles_redaction(db, case, requester):
        raise RedactionNotAllowedError(requester.id)
    draft = redaction_row(db, case, RedactionState.DRAFT)
    if draft is None or draft.marked_by != requester.id:
        raise NoDraftError(case.code)
    if pending_request(db, draft, moment) is not None:
        raise DuplicatePublicationError(case.code)
    # The list has no free text; a redaction protects the people a case names.
    request = open_request(db, PUBLISH, case, requester, RequestReason.PROTECTION, moment)
    draft.request_id = request.id
    record_event(
        db,
        audit_key,
        "redaction:requested",
        actor=staff_actor(requester.id),
        case_code=case.code,
        detail={"request": request.id},
        now=moment,
    )
    return request


def _decidable(
    db: Session, request_id: int, decider: StaffAccount, case_id: int | None
) -> tuple[ApprovalRequest, Case, CaseRedaction]:
    request = still_pending(db, PUBLISH, request_id, case_id)
    if request is None:
        raise PublicationClosedError(request_id)
    case = db.get(Case, request.case_id)
    draft = None if case is None else redaction_row(db, case, RedactionState.DRAFT)
    if case is None or draft is None or draft.request_id != request.id:
        raise PublicationClosedError(request_id)
    # The supervisor reads what they publish: they must hold the case themselves.
    if not may_decide(db, request, case, decider):
        raise RedactionNotAllowedError(decider.id)
    return request, case, draft


def decide_publication(
    db: Session,
    request_id: int,
    decider: StaffAccount,
    *,
    approve: bool,
    audit_key: bytes,
    case_id: int | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Publish the draft (it replaces the published redaction) or refuse it (the draft
    stays for its workers). With ``case_id``, a request of another case is refused."""
    moment = _now(now)
    expire_publications(db, moment)
    request, case, draft = _decidable(db, request_id, decider, case_id)
    mark_decided(request, decider, approve=approve, moment=moment)
    if approve:
        old = redaction_row(db, case, RedactionState.PUBLISHED)
        if old is not None:
            db.delete(old)
            db.flush()  # the unique (case, state) pair is free before the draft takes it
        draft.state, draft.published_at = RedactionState.PUBLISHED, moment
    db.flush()
    record_event(
        db,
        audit_key,
        "redaction:published" if approve else "redaction:refused",
        actor=staff_actor(decider.id),
        case_code=case.code,
        detail={"request": request.id, "requester": request.requested_by},
        now=moment,
    )
    return request


def published_redactor(db: Session, case: Case, dek: bytes) -> Redactor:
    """The published redaction, ready to apply; ``NoPublishedRedactionError`` without one."""
    row = redaction_row(db, case, RedactionState.PUBLISHED)
    if row is None:
        raise NoPublishedRedactionError(case.code)
    try:
        marks = open_marks(dek, case, row)
    except DecryptionError:  # altered or moved marks: as good as none, never a guess
        raise NoPublishedRedactionError(case.code) from None
    return Redactor(marks, coded_values(case, dek))
