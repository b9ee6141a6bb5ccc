"""The notification queue: who must be told what kind of thing happened (no content)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.db import Base

KINDS = ("new_case", "reporter_reply", "new_supervisor")
# Caused by a reporter: held until their UTC day is over (docs/deployment.md, "Notifications").
REPORTER_KINDS = frozenset({"new_case", "reporter_reply"})


class PendingNotification(Base):
    """One event waiting for the next digest; deleted when its digest is sent."""

    __tablename__ = "pending_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotificationLog(Base):
    """When each staff member was last sent a digest, so digests come at most every 15 min."""

    __tablename__ = "notification_log"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    last_sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
