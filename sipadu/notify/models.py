"""The notification queue: who must be told what kind of thing happened (no content)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.coltypes import UtcDateTime, enum_column
from sipadu.db import Base


class NotificationKind(StrEnum):
    """What kind of thing happened (the digest says how many of each, nothing else)."""

    NEW_CASE = "new_case"
    REPORTER_REPLY = "reporter_reply"
    NEW_SUPERVISOR = "new_supervisor"
    # Four eyes on a sealed identity: a request waits for a custodian; a request was decided.
    IDENTITY_REQUEST = "identity_request"
    IDENTITY_ANSWER = "identity_answer"
    # Reminders, queued once a day by ``sipadu notify remind``: the recipient has cases whose
    # deadline is near or passed (which, and how many, the home page says after sign-in).
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


KINDS: tuple[NotificationKind, ...] = tuple(NotificationKind)
# Caused by a reporter: held until their UTC day is over (docs/deployment.md, "Notifications").
REPORTER_KINDS = frozenset({NotificationKind.NEW_CASE, NotificationKind.REPORTER_REPLY})


class PendingNotification(Base):
    """One event waiting for the next digest; deleted when its digest is sent."""

    __tablename__ = "pending_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, "kind", 16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NotificationLog(Base):
    """When each staff member was last sent a digest, so digests come at most every 15 min."""

    __tablename__ = "notification_log"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    last_sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
