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

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sipadu.audit.models import AuditEvent
from sipadu.audit.service import is_day_only
from sipadu.cases.deadlines import case_deadlines
from sipadu.cases.kinds import CATEGORIES
from sipadu.cases.models import Case, CaseRating
from sipadu.effective_settings import effective_settings
from sipadu.stats.compute import CaseRecord, Statistics, summarize

PAGE_SIZE = 50
CSV_COLUMNS = ("seq", "occurred_at", "tag", "actor", "case_code", "outcome", "detail", "hash")
UNKNOWN_UNIT = "-"


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

    writer.writerow(CSV_COLUMNS)
    yield flush()
    stmt = _filtered(filters).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    for event in db.scalars(stmt):
        # A reporter's events carry their day only; a time of 00:00 would suggest more.
        moment = (
            event.occurred_at.date().isoformat()
            if is_day_only(event.tag, event.actor)
            else event.occurred_at.isoformat()
        )
        writer.writerow(
            [
                event.seq,
                moment,
                event.tag,
                event.actor,
                event.case_code or "",
                event.outcome,
                event.detail,
                event.hash,
            ]
        )
        yield flush()


def case_records(db: Session, today: date) -> list[CaseRecord]:
    """One metadata record per case, with deadline outcomes from the configured calendar."""
    settings = effective_settings(db)
    columns = (
        Case.category,
        Case.status,
        Case.unit,
        Case.received_on,
        Case.acknowledged_on,
        Case.decided_on,
        Case.last_feedback_on,
        Case.closed_on,
        CaseRating.score,
    )
    records = []
    rated = select(*columns).outerjoin(CaseRating, CaseRating.case_id == Case.id)
    for row in db.execute(rated):
        deadlines = case_deadlines(
            row.received_on,
            row.status,
            row.acknowledged_on,
            row.decided_on,
            row.last_feedback_on,
            row.closed_on,
            settings.deadlines,
            settings.holiday_dates,
            today=today,
        )
        met = {str(d.kind): bool(d.met_on_time) for d in deadlines if d.met_on_time is not None}
        records.append(
            CaseRecord(
                row.category,
                row.status,
                row.unit or UNKNOWN_UNIT,
                row.received_on,
                row.closed_on,
                met,
                row.score,
            )
        )
    return records


def statistics(db: Session, today: date) -> Statistics:
    """Every figure of the statistics page, exact (suppression happens when shown)."""
    return summarize(case_records(db, today), categories=CATEGORIES)
