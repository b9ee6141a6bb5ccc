"""Who gets a deadline reminder: every active supervisor and investigator with a case they
may read (never a conflicted one) that is due soon or overdue, by the inbox's own filters.

``sipadu deadlines remind`` runs it once a day from a timer; the reminders join the next
content-free digest of ``sipadu notify send`` (docs/deployment.md, "Notifications").
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.casework.inbox import INBOX_ROLES, action_counts
from sipadu.notify.models import NotificationKind
from sipadu.notify.reminders import queue_reminder

# The home page's count (an inbox filter) behind each reminder.
REMINDED: dict[str, NotificationKind] = {
    "due": NotificationKind.DUE_SOON,
    "overdue": NotificationKind.OVERDUE,
}


def queue_deadline_reminders(
    db: Session, *, today: date, now: datetime | None = None
) -> Counter[NotificationKind]:
    """Queue the reminders due ``today``; how many of each kind were queued."""
    readers = db.execute(
        select(StaffAccount.id, StaffAccount.role)
        .where(StaffAccount.active.is_(True), StaffAccount.role.in_(INBOX_ROLES))
        .order_by(StaffAccount.id)
    ).all()
    queued: Counter[NotificationKind] = Counter()
    for staff_id, role in readers:
        # cap=0: counting stops at the first matching case, which is all a reminder needs.
        found = action_counts(db, staff_id=staff_id, role=role, today=today, cap=0, kinds=REMINDED)
        for filter_name, kind in REMINDED.items():
            if found.get(filter_name) and queue_reminder(db, staff_id, kind, now):
                queued[kind] += 1
    return queued
