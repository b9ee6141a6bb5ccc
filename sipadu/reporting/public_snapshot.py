"""The day's snapshot of the metadata records the public statistics page publishes.

A page that counted live would change the moment a report is filed, so anyone watching it
could date a report to the second. The public figures therefore change at most once a WIB
day: the first request of the day computes the records of the cases received before that
day (closures before that day only) and stores them, as JSON, in the ``instance_settings``
row ``PUBLIC_STATISTICS_KEY``; every worker and node then reads that row all day.

Two first requests may race: the row is written by insert-or-compare-and-swap, and the loser
reads the winner's snapshot, so everyone shows the same figures.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sipadu.admin.models import InstanceSetting
from sipadu.stats.compute import CaseRecord
from sipadu.stats.records import case_records

PUBLIC_STATISTICS_KEY = "public_statistics_snapshot"


def _as_of(records: list[CaseRecord], day: date) -> list[CaseRecord]:
    """The records as the public may see them on ``day``: nothing received or closed that day."""
    kept = [record for record in records if record.received_on < day]
    return [
        replace(record, closed_on=None)
        if record.closed_on is not None and record.closed_on >= day
        else record
        for record in kept
    ]


def _to_json(day: date, records: list[CaseRecord]) -> str:
    rows = [
        {
            "category": r.category,
            "status": r.status,
            "unit": r.unit,
            "received_on": r.received_on.isoformat(),
            "closed_on": r.closed_on.isoformat() if r.closed_on else None,
            "deadlines_met": dict(r.deadlines_met),
            "rating": r.rating,
        }
        for r in records
    ]
    return json.dumps({"day": day.isoformat(), "records": rows}, sort_keys=True)


def _record(row: dict[str, Any]) -> CaseRecord:
    closed = row["closed_on"]
    return CaseRecord(
        category=row["category"],
        status=row["status"],
        unit=row["unit"],
        received_on=date.fromisoformat(row["received_on"]),
        closed_on=date.fromisoformat(closed) if closed else None,
        deadlines_met=dict(row["deadlines_met"]),
        rating=row["rating"],
    )


def _stored(db: Session) -> str | None:
    return db.scalar(
        select(InstanceSetting.value).where(InstanceSetting.key == PUBLIC_STATISTICS_KEY)
    )


def _day_of(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        day = json.loads(value).get("day")
    except (ValueError, AttributeError):
        return None
    return day if isinstance(day, str) else None


def store_snapshot(db: Session, old: str | None, new: str) -> str:
    """Write ``new`` unless another worker stored its snapshot first; the value that stands."""
    now = datetime.now(UTC)
    if old is None:
        try:
            with db.begin_nested():
                db.execute(
                    insert(InstanceSetting).values(
                        key=PUBLIC_STATISTICS_KEY, value=new, updated_at=now
                    )
                )
        except IntegrityError:
            return _stored(db) or new
        return new
    swapped = db.execute(
        update(InstanceSetting)
        .where(InstanceSetting.key == PUBLIC_STATISTICS_KEY, InstanceSetting.value == old)
        .values(value=new, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(swapped, "rowcount", 1) == 1:
        return new
    return _stored(db) or new


def public_records(db: Session, today: date) -> list[CaseRecord]:
    """The records the public page shows on ``today`` (the WIB day).

    The caller's unit of work commits the stored snapshot with the (successful) response.
    """
    stored = _stored(db)
    if stored is None or _day_of(stored) != today.isoformat():
        fresh = _to_json(today, _as_of(case_records(db, today), today))
        stored = store_snapshot(db, stored, fresh)
    rows = json.loads(stored)["records"]
    return [_record(row) for row in rows]
