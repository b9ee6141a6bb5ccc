"""Read the audit log (filters, pages, CSV) and compute statistics from case metadata only.

Nothing here touches a sealed column: the audit log never holds content, and statistics read
category, status, unit and dates. The CSV export writes the log's columns except ``detail``'s
JSON is passed as is (it holds short identifiers only, enforced when events are written).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import Actor, staff_actor
from sipadu.audit.models import AuditEvent
from sipadu.audit.service import is_day_only
from sipadu.auditor.words import actor_label, event_words, names_for
from sipadu.cases.kinds import CATEGORIES
from sipadu.stats.compute import Statistics, summarize
from sipadu.stats.records import case_records

PAGE_SIZE = 50
# The export's header row, in the auditor's language; the tag's code stays beside its label
# so a spreadsheet can filter on it.
CSV_COLUMNS: tuple[Any, ...] = (
    lazy_gettext("No."),
    lazy_gettext("Time (UTC)"),
    lazy_gettext("Event"),
    lazy_gettext("Event code"),
    lazy_gettext("Actor"),
    lazy_gettext("Case"),
    lazy_gettext("Outcome"),
    lazy_gettext("Detail"),
    lazy_gettext("Hash"),
)


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor asked for; empty fields do not filter."""

    tag: str = ""
    actor: str = ""
    case_code: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of events, newest first."""

    events: list[AuditEvent]
    page: int
    pages: int
    total: int


def _filtered(filters: AuditFilter) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if filters.tag:
        # "staff:" matches every staff event; a full tag matches exactly.
        stmt = stmt.where(
            AuditEvent.tag.startswith(filters.tag, autoescape=True)
            if filters.tag.endswith(":")
            else AuditEvent.tag == filters.tag
        )
    if filters.actor:
        stmt = stmt.where(AuditEvent.actor == filters.actor)
    if filters.case_code:
        stmt = stmt.where(AuditEvent.case_code == filters.case_code.strip().upper())
    if filters.date_from:
        stmt = stmt.where(
            AuditEvent.occurred_at >= datetime.combine(filters.date_from, time(), UTC)
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        stmt = stmt.where(AuditEvent.occurred_at < end)
    return stmt


def audit_page(db: Session, filters: AuditFilter, page: int = 1) -> AuditPage:
    """The events matching ``filters``, ``PAGE_SIZE`` per page, newest first."""
    stmt = _filtered(filters)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.scalars(
        stmt.order_by(AuditEvent.seq.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return AuditPage(list(rows), page, pages, total)


def audit_csv(db: Session, filters: AuditFilter) -> Iterator[str]:
    """The matching events as CSV, oldest first, produced row by row (streamable)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([str(column) for column in CSV_COLUMNS])
    yield flush()
    names = names_for(db, all_staff_names(db))
    stmt = _filtered(filters).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    for event in db.scalars(stmt):
        # A reporter's events carry their day only; a time of 00:00 would suggest more.
        moment = (
            event.occurred_at.date().isoformat()
            if is_day_only(event.tag, event.actor)
            else event.occurred_at.isoformat()
        )
        words = event_words(event, names)
        detail = "; ".join(f"{label}: {value}" if label else value for label, value in words.detail)
        writer.writerow(
            [
                event.seq,
                moment,
                words.tag,
                event.tag,
                words.actor,
                event.case_code or "",
                words.outcome,
                detail,
                event.hash,
            ]
        )
        yield flush()


def all_staff_names(db: Session) -> dict[str, str]:
    """``staff:<id>`` -> username for every account (an export names many of them)."""
    rows = db.execute(select(StaffAccount.id, StaffAccount.username))
    return {staff_actor(staff_id): username for staff_id, username in rows}


def actor_choices(db: Session) -> list[tuple[str, str]]:
    """The actor filter's options: every staff member by username, then the other actors."""
    staff = sorted(all_staff_names(db).items(), key=lambda item: item[1])
    others = [(actor.value, actor_label(actor.value, {})) for actor in Actor]
    return staff + others


def statistics(db: Session, today: date) -> Statistics:
    """Every figure of the statistics page, exact (suppression happens when shown)."""
    return summarize(case_records(db, today), categories=CATEGORIES)
