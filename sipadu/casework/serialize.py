"""JSON shapes of the staff case API."""

from __future__ import annotations

from typing import Any

from sipadu.cases.content import MessageView
from sipadu.cases.deadlines import Deadline
from sipadu.cases.models import Case
from sipadu.casework.detail import CaseDetail
from sipadu.casework.inbox import InboxPage, InboxRow


def _deadline(deadline: Deadline | None) -> dict[str, Any] | None:
    if deadline is None:
        return None
    return {
        "kind": deadline.kind.value,
        "due_on": deadline.due_on.isoformat(),
        "state": deadline.state.value,
        "completed_on": deadline.completed_on.isoformat() if deadline.completed_on else None,
    }


def _row(row: InboxRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "category": row.category,
        "status": row.status,
        "unit": row.unit,
        "received_on": row.received_on.isoformat(),
        "assigned_to_me": row.assigned_to_me,
        "badge": row.badge.value if row.badge else None,
        "next_deadline": _deadline(row.next_deadline),
    }


def inbox_json(page: InboxPage) -> dict[str, Any]:
    """The inbox page as JSON."""
    return {
        "cases": [_row(row) for row in page.rows],
        "total": page.total,
        "total_is_exact": page.total_is_exact,
        "has_next": page.has_next,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
    }


def _message(m: MessageView, detail: CaseDetail) -> dict[str, Any]:
    """A message; one that does not verify carries neither body nor author."""
    if not m.verified:
        return {
            "id": m.id,
            "author_kind": None,
            "author": None,
            "internal": m.internal,
            "body": None,
            "verified": False,
            "created_on": m.created_on.isoformat(),
        }
    return {
        "id": m.id,
        "author_kind": m.author_kind,
        "author": detail.staff_names.get(m.staff_id) if m.staff_id is not None else None,
        "internal": m.internal,
        "body": m.body,
        "verified": True,
        "created_on": m.created_on.isoformat(),
    }


def case_json(case: Case, detail: CaseDetail) -> dict[str, Any]:
    """One case, decrypted, for its staff reader (internal notes included)."""
    return {
        "code": case.code,
        "category": case.category,
        "status": case.status,
        "unit": case.unit,
        "outcome": case.outcome,
        "received_on": case.received_on.isoformat(),
        "report": detail.report if detail.report_verified else None,
        "report_verified": detail.report_verified,
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename if a.verified else None,
                "content_type": a.content_type if a.verified else None,
                "size": a.size if a.verified else None,
                "uploaded_by": a.uploaded_by if a.verified else None,
                "verified": a.verified,
            }
            for a in detail.attachments
        ],
        "timeline": [
            {
                "kind": t.kind,
                "status": t.status,
                "text": t.text,
                "verified": t.verified,
                "created_on": t.created_on.isoformat(),
            }
            for t in detail.timeline
        ],
        "messages": [_message(m, detail) for m in detail.messages],
        "assignees": [a.username for a in detail.assignees],
        "allowed_statuses": [target.value for target in detail.targets],
        "deadlines": [_deadline(d) for d in detail.deadlines],
        "objection_pending": detail.objection_pending,
        "forwarding": _forwarding(detail),
    }


def _forwarding(detail: CaseDetail) -> dict[str, Any] | None:
    forwarding = detail.forwarding
    if forwarding is None:
        return None
    return {
        "destination": forwarding.destination,
        "reference": forwarding.reference,
        "reference_verified": forwarding.reference_verified,
        "result": forwarding.result,
    }
