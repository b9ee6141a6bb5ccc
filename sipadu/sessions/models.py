"""A session row: the payload (a staff private key or a case DEK) sealed under a secret that
only the client's token carries. The row keeps a hash of the session id, never the id."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.coltypes import UtcDateTime, enum_column
from sipadu.db import Base


class SessionKind(StrEnum):
    """Whose login a session is."""

    STAFF = "staff"
    REPORTER = "reporter"


class Channel(StrEnum):
    """How the session token travels: API sessions never see a cookie."""

    WEB = "web"  # a cookie
    API = "api"  # a bearer token


KINDS: tuple[SessionKind, ...] = tuple(SessionKind)


class AuthSession(Base):
    """A live login of a staff member or a reporter."""

    __tablename__ = "auth_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "kind", 16))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    channel: Mapped[Channel] = mapped_column(
        enum_column(Channel, "channel", 8), default=Channel.WEB
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # Monotonic within a session, so a staff page can tell it was re-authenticated.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    # A staff form refused a moment ago, sealed under the token's secret like the payload, so
    # the page it redirects to shows it again (``sessions/held_forms.py``); one at a time.
    held_form: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
