"""A session row: the payload (a staff private key or a case DEK) sealed under a secret that
only the client's token carries. The row keeps a hash of the session id, never the id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.db import Base

KINDS = ("staff", "reporter")


class AuthSession(Base):
    """A live login of a staff member or a reporter."""

    __tablename__ = "auth_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    # "web" (cookie) or "api" (bearer token): API sessions never see a cookie.
    channel: Mapped[str] = mapped_column(String(8), default="web")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # Monotonic within a session, so a staff page can tell it was re-authenticated.
    generation: Mapped[int] = mapped_column(Integer, default=0)
