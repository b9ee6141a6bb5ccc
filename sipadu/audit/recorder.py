"""Audit from inside a request: the request's session and the app's audit key."""

from __future__ import annotations

from collections.abc import Mapping

from sipadu.app_context import current_audit_key
from sipadu.audit.models import AuditEvent
from sipadu.audit.service import DetailValue, QueuedEvent, record_event
from sipadu.db import db_session


def audit(
    tag: str,
    *,
    actor: str,
    case_code: str | None = None,
    outcome: str = "success",
    detail: Mapping[str, DetailValue] | None = None,
) -> AuditEvent | QueuedEvent:
    """Record an event in the current request's transaction (reporter events are queued)."""
    return record_event(
        db_session(),
        current_audit_key(),
        tag,
        actor=actor,
        case_code=case_code,
        outcome=outcome,
        detail=detail,
    )
