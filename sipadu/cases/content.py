"""Reading and writing a case's sealed content: the report, messages, notes, timeline.

Staff messages reach the reporter as from "Inspektorat": the reporter's views never carry
a staff id or name, and internal notes never reach the reporter at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.models import Case, CaseMessage, TimelineEntry
from sipadu.cases.service import day_start, open_json, seal_json
from sipadu.crypto import envelope

MAX_MESSAGE_CHARS = 20_000
KIND_TIMELINE = b"timeline"


class MessageError(ValueError):
    """A message is empty or too long."""


@dataclass(frozen=True)
class MessageView:
    """A decrypted message as a page or the API shows it."""

    id: int
    author_kind: str
    staff_id: int | None
    internal: bool
    body: str
    sent_at: str
    created_on: date


@dataclass(frozen=True)
class TimelineView:
    """A decrypted timeline entry."""

    kind: str
    status: str | None
    text: str | None
    created_on: date


def read_report(case: Case, dek: bytes) -> dict[str, object]:
    """The decrypted report document."""
    return open_json(dek, case.code, envelope.KIND_REPORT, case.report_sealed)


def read_identity(case: Case, dek: bytes) -> dict[str, object] | None:
    """The sealed identity, when the reporter gave one (custodian approval is the caller's)."""
    if case.identity_sealed is None:
        return None
    return open_json(dek, case.code, envelope.KIND_IDENTITY, case.identity_sealed)


def seal_identity(case: Case, dek: bytes, identity: Mapping[str, str]) -> None:
    """Store (or replace) the reporter's sealed identity."""
    case.identity_sealed = seal_json(dek, case.code, envelope.KIND_IDENTITY, identity)


def _kind(internal: bool) -> bytes:
    return envelope.KIND_NOTE if internal else envelope.KIND_MESSAGE


def add_message(
    db: Session, case: Case, dek: bytes, body: str, *, author_kind: str,
    staff_id: int | None = None, internal: bool = False, now: datetime | None = None,
) -> CaseMessage:
    """Seal and store a message (or an internal note, staff only)."""
    text = body.strip()
    if not text:
        raise MessageError("empty message")
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageError("message too long")
    if author_kind == "reporter" and (internal or staff_id is not None):
        raise ValueError("a reporter writes neither notes nor as staff")
    moment = now or datetime.now(UTC)
    # A reporter's message keeps its day only, even sealed: nobody may learn when they wrote.
    sent_at = day_start(moment) if author_kind == "reporter" else moment
    message = CaseMessage(
        case_id=case.id, author_kind=author_kind, staff_id=staff_id, internal=internal,
        body_sealed=seal_json(dek, case.code, _kind(internal),
                              {"body": text, "sent_at": sent_at.isoformat()}),
        created_on=moment.date(),
    )
    db.add(message)
    db.flush()
    return message


def list_messages(db: Session, case: Case, dek: bytes, *,
                  include_internal: bool) -> list[MessageView]:
    """Messages oldest first; internal notes only when asked (never for reporters)."""
    stmt = select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id)
    if not include_internal:
        stmt = stmt.where(CaseMessage.internal.is_(False))
    views = []
    for row in db.scalars(stmt):
        doc = open_json(dek, case.code, _kind(row.internal), row.body_sealed)
        views.append(MessageView(row.id, row.author_kind, row.staff_id, row.internal,
                                 str(doc["body"]), str(doc["sent_at"]), row.created_on))
    return views


def add_timeline_entry(
    db: Session, case: Case, dek: bytes | None, *, kind: str, status: str | None = None,
    text: str | None = None, now: datetime | None = None,
) -> TimelineEntry:
    """Add a reporter-visible timeline entry; its text is sealed under the DEK."""
    if text is not None and dek is None:
        raise ValueError("timeline text needs the case DEK")
    sealed = (seal_json(dek, case.code, KIND_TIMELINE, {"timeline": text})
              if text is not None and dek is not None else None)
    entry = TimelineEntry(case_id=case.id, kind=kind, status=status, text_sealed=sealed,
                          created_on=(now or datetime.now(UTC)).date())
    db.add(entry)
    db.flush()
    return entry


def list_timeline(db: Session, case: Case, dek: bytes) -> list[TimelineView]:
    """Timeline entries oldest first, texts decrypted."""
    views = []
    for row in db.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)
                          .order_by(TimelineEntry.id)):
        text = None
        if row.text_sealed is not None:
            text = str(open_json(dek, case.code, KIND_TIMELINE,
                                 row.text_sealed)["timeline"])
        views.append(TimelineView(row.kind, row.status, text, row.created_on))
    return views
