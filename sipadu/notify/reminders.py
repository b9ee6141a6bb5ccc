"""Deadline reminders for the digests: "some of your cases are due soon / overdue".

The package that knows the deadlines (``casework/reminders.py``) decides who is reminded;
this module only queues. A reminder names no case and no count (the home page shows both
after sign-in), and a person has at most one pending reminder of each kind: a reminder run
twice before the digest goes out queues nothing new.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.notify.models import NotificationKind, PendingNotification

REMINDER_KINDS = frozenset({NotificationKind.DUE_SOON, NotificationKind.OVERDUE})


class NotAReminderError(ValueError):
    """Only the reminder kinds are queued here."""


def queue_reminder(
    db: Session, staff_id: int, kind: NotificationKind, now: datetime | None = None
) -> bool:
    """Queue one reminder of ``kind`` for ``staff_id`` unless one is already waiting; True
    when queued."""
    if kind not in REMINDER_KINDS:
        raise NotAReminderError(kind)
    waiting = db.scalar(
        select(PendingNotification.id)
        .where(PendingNotification.staff_id == staff_id, PendingNotification.kind == kind)
        .limit(1)
    )
    if waiting is not None:
        return False
    moment = now or datetime.now(UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    db.add(PendingNotification(staff_id=staff_id, kind=kind, created_at=day))
    db.flush()
    return True
