"""The metadata record of every case, for statistics (the auditor's and the public page's).

Category, status, unit and dates only: nothing here touches a sealed column. Deadline
outcomes follow the configured calendar (the admin's policy and holidays).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.deadlines import case_deadlines
from sipadu.cases.models import Case, CaseRating
from sipadu.effective_settings import effective_settings
from sipadu.stats.compute import CaseRecord
from sipadu.units.service import unit_names

UNKNOWN_UNIT = "-"


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
    records: list[CaseRecord] = []
    names = unit_names(db)
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
                names.get(row.unit, row.unit) if row.unit else UNKNOWN_UNIT,
                row.received_on,
                row.closed_on,
                met,
                row.score,
            )
        )
    return records
