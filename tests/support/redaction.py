"""Redactions made through the real services: the suggestions saved as a case worker's
draft, asked to be published, and published by a second supervisor."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.models import Case
from sipadu.confidential.models import ApprovalRequest
from sipadu.confidential.redaction import suggest_spans
from sipadu.confidential.redaction_marks import save_draft
from sipadu.confidential.redaction_publish import decide_publication, request_publication
from sipadu.confidential.redaction_texts import redactable_texts


def ask_to_publish_suggestions(
    db: Session, case: Case, dek: bytes, requester: StaffAccount, audit_key: bytes
) -> ApprovalRequest:
    """``requester`` saves every suggestion of every text as the draft and asks to publish."""
    now = datetime.now(UTC)
    marks = {t.key: tuple(suggest_spans(t.text)) for t in redactable_texts(db, case, dek)}
    save_draft(db, case, dek, requester, marks, audit_key=audit_key, now=now)
    return request_publication(db, case, requester, audit_key=audit_key, now=now)


def publish_suggestions(
    db: Session,
    case: Case,
    dek: bytes,
    requester: StaffAccount,
    approver: StaffAccount,
    audit_key: bytes,
) -> None:
    """The suggestions published with four eyes (``approver`` holds the case)."""
    request = ask_to_publish_suggestions(db, case, dek, requester, audit_key)
    decide_publication(db, request.id, approver, approve=True, audit_key=audit_key)
    db.commit()
