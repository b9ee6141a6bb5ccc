"""A supervisor keeps an archived case longer than its retention period, with a sealed reason.

Which cases are due and the purge itself are operations (sipadu/ops/retention.py).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sipadu.audit.actors import staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.models import Case
from sipadu.cases.service import open_json, seal_json
from sipadu.days import wib_today
from sipadu.ops.retention import RetentionError

KIND_RETENTION_REASON = b"retention-reason"
MAX_REASON_CHARS = 2000


def extend_retention(
    db: Session,
    case: Case,
    until: date,
    reason: str,
    *,
    staff_id: int,
    dek: bytes,
    audit_key: bytes,
    today: date | None = None,
) -> None:
    """Keep a case until ``until`` (later than now); the reason is sealed under the DEK.

    The caller (a supervisor's session, which can open the DEK) commits."""
    text = reason.strip()
    if not text:
        raise RetentionError("a reason is required")
    if len(text) > MAX_REASON_CHARS:
        raise RetentionError("the reason is too long")
    if case.retention_until is None:
        raise RetentionError("only archived cases have a retention period")
    if until <= max(case.retention_until, today or wib_today()):
        raise RetentionError("the new date must be later than the current one")
    case.retention_until = until
    case.retention_extended_by = staff_id
    case.retention_reason_sealed = seal_json(
        dek, case.code, KIND_RETENTION_REASON, {"reason": text, "until": until.isoformat()}
    )
    record_event(
        db,
        audit_key,
        "case:retention_extended",
        actor=staff_actor(staff_id),
        case_code=case.code,
        detail={"until": until.isoformat()},
    )
    db.flush()


def read_retention_reason(case: Case, dek: bytes) -> str | None:
    """The decrypted reason of the latest extension, if any."""
    if case.retention_reason_sealed is None:
        return None
    return str(
        open_json(dek, case.code, KIND_RETENTION_REASON, case.retention_reason_sealed)["reason"]
    )
