"""Reading and writing a case's sealed content: the report, messages, notes, timeline.

Staff messages reach the reporter as from "Inspektorat": the reporter's views never carry
a staff id or name, and internal notes never reach the reporter at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.kinds import AuthorKind
from sipadu.cases.models import Case, CaseMessage, TimelineEntry
from sipadu.cases.record_ids import public_record_id
from sipadu.cases.sealing import (
    KIND_TIMELINE,
    message_author,
    message_binding,
    open_record,
    report_binding,
    seal_record,
    timeline_binding,
    upgrade_legacy_case,
)
from sipadu.cases.service import day_start, json_bytes, json_document
from sipadu.crypto import envelope
from sipadu.crypto.errors import DecryptionError
from sipadu.days import utc_now, wib_day, wib_today

MAX_MESSAGE_CHARS = 20_000


class MessageError(ValueError):
    """A message is empty or too long."""


@dataclass(frozen=True)
class MessageView:
    """A decrypted message as a page or the API shows it."""

    # The public identifier (``record_ids``); None for a row from before envelope v2.
    id: str | None
    author_kind: str
    staff_id: int | None
    internal: bool
    body: str
    sent_at: str
    created_on: date
    # The row id: orders the case's messages and is what read markers count by; never shown.
    seq: int
    # False when the sealed body does not open under this row's binding (moved, replayed or
    # altered): pages show "could not be verified" and neither body nor author.
    verified: bool = True


@dataclass(frozen=True)
class TimelineView:
    """A decrypted timeline entry."""

    kind: str
    status: str | None
    text: str | None
    created_on: date
    # The row id: orders the timeline and is what the reporter's read marker counts by.
    seq: int
    verified: bool = True


def read_report(case: Case, dek: bytes) -> dict[str, object]:
    """The decrypted report document; raises DecryptionError when it does not verify."""
    return json_document(
        open_record(dek, case, envelope.KIND_REPORT, case.report_sealed, report_binding)
    )


def _kind(internal: bool) -> bytes:
    return envelope.KIND_NOTE if internal else envelope.KIND_MESSAGE


def add_message(
    db: Session,
    case: Case,
    dek: bytes,
    body: str,
    *,
    author_kind: str,
    staff_id: int | None = None,
    internal: bool = False,
    now: datetime | None = None,
) -> CaseMessage:
    """Seal and store a message (or an internal note, staff only)."""
    text = body.strip()
    if not text:
        raise MessageError("empty message")
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageError("message too long")
    if author_kind == AuthorKind.REPORTER and (internal or staff_id is not None):
        raise ValueError("a reporter writes neither notes nor as staff")
    author = message_author(author_kind, staff_id)
    if author is None:
        raise ValueError("unknown message author")
    upgrade_legacy_case(db, case, dek)
    moment = now or utc_now()
    # A reporter's message keeps its day only, even sealed: nobody may learn when they wrote.
    sent_at = day_start(moment) if author_kind == AuthorKind.REPORTER else moment
    message = CaseMessage(
        case_id=case.id,
        author_kind=author_kind,
        staff_id=staff_id,
        internal=internal,
        record_id=envelope.new_record_id(),
        body_sealed=b"",
        created_on=wib_day(moment),
    )
    message.body_sealed = seal_record(
        dek,
        case,
        _kind(internal),
        json_bytes({"body": text, "sent_at": sent_at.isoformat()}),
        message_binding(message),
    )
    db.add(message)
    db.flush()
    return message


def list_messages(
    db: Session, case: Case, dek: bytes, *, include_internal: bool
) -> list[MessageView]:
    """Messages oldest first; internal notes only when asked (never for reporters)."""
    stmt = select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id)
    if not include_internal:
        stmt = stmt.where(CaseMessage.internal.is_(False))
    return [_message_view(case, dek, row) for row in db.scalars(stmt)]


def _message_view(case: Case, dek: bytes, row: CaseMessage) -> MessageView:
    public_id = public_record_id(row.record_id)
    try:
        doc = json_document(
            open_record(
                dek, case, _kind(row.internal), row.body_sealed, lambda: message_binding(row)
            )
        )
        return MessageView(
            public_id,
            row.author_kind,
            row.staff_id,
            row.internal,
            str(doc["body"]),
            str(doc["sent_at"]),
            row.created_on,
            row.id,
        )
    except (DecryptionError, KeyError):
        # Neither body nor author: the row's author columns are what failed to verify.
        return MessageView(
            public_id,
            "unverified",
            None,
            row.internal,
            "",
            "",
            row.created_on,
            row.id,
            verified=False,
        )


def add_timeline_entry(
    db: Session,
    case: Case,
    dek: bytes | None,
    *,
    kind: str,
    status: str | None = None,
    text: str | None = None,
    now: datetime | None = None,
) -> TimelineEntry:
    """Add a reporter-visible timeline entry; its text is sealed under the DEK."""
    if text is not None and dek is None:
        raise ValueError("timeline text needs the case DEK")
    entry = TimelineEntry(
        case_id=case.id,
        kind=kind,
        status=status,
        text_sealed=None,
        record_id=envelope.new_record_id(),
        created_on=wib_today(now),
    )
    if text is not None and dek is not None:
        upgrade_legacy_case(db, case, dek)
        entry.text_sealed = seal_record(
            dek, case, KIND_TIMELINE, json_bytes({"timeline": text}), timeline_binding(entry)
        )
    db.add(entry)
    db.flush()
    return entry


def list_timeline(db: Session, case: Case, dek: bytes) -> list[TimelineView]:
    """Timeline entries oldest first, texts decrypted."""
    return [
        _timeline_view(case, dek, row)
        for row in db.scalars(
            select(TimelineEntry).where(TimelineEntry.case_id == case.id).order_by(TimelineEntry.id)
        )
    ]


def _timeline_view(case: Case, dek: bytes, row: TimelineEntry) -> TimelineView:
    if row.text_sealed is None:
        return TimelineView(row.kind, row.status, None, row.created_on, row.id)
    try:
        doc = json_document(
            open_record(dek, case, KIND_TIMELINE, row.text_sealed, lambda: timeline_binding(row))
        )
        return TimelineView(row.kind, row.status, str(doc["timeline"]), row.created_on, row.id)
    except (DecryptionError, KeyError):
        return TimelineView(row.kind, row.status, None, row.created_on, row.id, verified=False)
