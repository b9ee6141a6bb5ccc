"""A case's redactions as stored: the marks sealed under the case DEK, the draft and the
published row (``models.CaseRedaction``), and saving a draft.

The marks are ``{text key: [[start, end], ...]}`` (``redaction_texts.text_key``): a text
with an empty list was reviewed and keeps everything; a text without an entry was never
reviewed. Sealed with a v2 envelope bound to the row's random ``record_id``, so marks copied
from a draft into the published row do not open there.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import Actor, staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.models import Case
from sipadu.cases.service import grant_for, is_conflicted
from sipadu.cases.statuses import Status
from sipadu.confidential.models import (
    ApprovalAction,
    ApprovalRequest,
    ApprovalState,
    CaseRedaction,
    RedactionState,
)
from sipadu.confidential.redaction import Span, SpanKind
from sipadu.confidential.redaction_texts import Marks
from sipadu.confidential.rules import may_request
from sipadu.crypto import envelope

PUBLISH = ApprovalAction.PUBLISH_REDACTION
KIND_MARKS = b"redaction-marks"


class RedactionError(Exception):
    """Base class of refused redaction steps."""


class RedactionNotAllowedError(RedactionError):
    """Wrong role, not handling the case, or (deciding) one's own request."""


class RedactionArchivedError(RedactionError):
    """The case is archived: its marks can no longer be changed."""


def handles_redaction(db: Session, case: Case, account: StaffAccount) -> bool:
    """A case worker who may mark and ask: role allowed, holds the case, not conflicted."""
    return (
        account.active
        and may_request(PUBLISH, account.role)
        and grant_for(db, case, account.id) is not None
        and not is_conflicted(db, case, account.id)
    )


def _binding(row: CaseRedaction) -> envelope.Binding:
    return envelope.Binding(row.record_id, Actor.SYSTEM, "redaction")


def seal_marks(dek: bytes, case: Case, row: CaseRedaction, marks: Marks) -> bytes:
    """The marks sealed under the case DEK, bound to ``row``."""
    document = {key: [[s.start, s.end] for s in spans] for key, spans in sorted(marks.items())}
    plain = json.dumps(document, separators=(",", ":")).encode()
    return envelope.seal(dek, plain, case_id=case.code, kind=KIND_MARKS, binding=_binding(row))


def open_marks(dek: bytes, case: Case, row: CaseRedaction) -> Marks:
    """The row's marks; raises ``DecryptionError`` when they do not open under its binding."""
    plain = envelope.open_sealed(
        dek, row.marks_sealed, case_id=case.code, kind=KIND_MARKS, binding=_binding(row)
    )
    document = json.loads(plain)
    return {
        str(key): tuple(Span(int(s), int(e), SpanKind.MARKED) for s, e in spans)
        for key, spans in document.items()
    }


def redaction_row(db: Session, case: Case, state: RedactionState) -> CaseRedaction | None:
    """The case's draft or its published redaction."""
    return db.scalar(
        select(CaseRedaction).where(CaseRedaction.case_id == case.id, CaseRedaction.state == state)
    )


def pending_request(
    db: Session, row: CaseRedaction | None, now: datetime
) -> ApprovalRequest | None:
    """The draft's publication request while it waits and is in time."""
    if row is None or row.request_id is None:
        return None
    request = db.get(ApprovalRequest, row.request_id)
    if request is None or request.state != ApprovalState.PENDING or request.expires_at <= now:
        return None
    return request


def save_draft(
    db: Session,
    case: Case,
    dek: bytes,
    account: StaffAccount,
    marks: Marks,
    *,
    audit_key: bytes,
    now: datetime,
) -> CaseRedaction:
    """Store ``marks`` as the case's draft (one per case, replaced by each save). A request
    waiting for the previous marks is withdrawn: the supervisor must see what is published."""
    if not handles_redaction(db, case, account):
        raise RedactionNotAllowedError(account.id)
    if case.status == Status.DIARSIPKAN:
        raise RedactionArchivedError(case.code)
    row = redaction_row(db, case, RedactionState.DRAFT)
    withdrawn = pending_request(db, row, now)
    if withdrawn is not None:
        withdrawn.state, withdrawn.decided_at = ApprovalState.WITHDRAWN, now
    if row is None:
        row = CaseRedaction(case_id=case.id, state=RedactionState.DRAFT)
        db.add(row)
    row.record_id = envelope.new_record_id()
    row.marks_sealed = seal_marks(dek, case, row, marks)
    row.marked_by, row.marked_at, row.request_id = account.id, now, None
    db.flush()
    record_event(
        db,
        audit_key,
        "redaction:marked",
        actor=staff_actor(account.id),
        case_code=case.code,
        detail={
            "texts": len(marks),
            "spans": sum(len(spans) for spans in marks.values()),
            "withdrawn": None if withdrawn is None else withdrawn.id,
        },
        now=now,
    )
    return row
