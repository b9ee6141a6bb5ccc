"""Service accounts of other systems (JAKI/CRM, SP4N-LAPOR!, ...), what SIPADU keeps about a
report they filed, and the outbox of status webhooks. No column holds report content, a case
key in clear, a token, or the channel's ticket id (only HMACs under the channel's token)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.coltypes import UtcDateTime, enum_column
from sipadu.db import Base


class Channel(StrEnum):
    """The door a report came in through."""

    JAKI = "jaki"
    LAPOR = "lapor"
    CRM = "crm"
    EMAIL = "email"
    OTHER = "other"


class CoarseStatus(StrEnum):
    """All a channel learns of a case's progress."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    FORWARDED = "forwarded"
    CLOSED = "closed"


class ServiceAccount(Base):
    """Another system allowed to file reports and read their coarse status."""

    __tablename__ = "service_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    token_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[date] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    # Salt of the webhook's signing secret (derived with a server key, never stored).
    webhook_salt: Mapped[bytes | None] = mapped_column(LargeBinary)


class ChannelIntake(Base):
    """A case filed by a service account: its lookups and, for 24 hours, the sealed key."""

    __tablename__ = "channel_intakes"
    __table_args__ = (
        UniqueConstraint("account_id", "ref_hash", name="uq_channel_intakes_ref"),
        UniqueConstraint("account_id", "idem_hash", name="uq_channel_intakes_idem"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("service_accounts.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel", 16))
    ref_hash: Mapped[str] = mapped_column(String(64))
    idem_hash: Mapped[str] = mapped_column(String(64))
    body_mac: Mapped[str] = mapped_column(String(64))
    # The case key under a key derived from the token and the Idempotency-Key; removed with
    # its hour-rounded expiry once 24 hours have passed.
    key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_kept_until: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    coarse_status: Mapped[CoarseStatus] = mapped_column(
        enum_column(CoarseStatus, "coarse_status", 16)
    )
    status_on: Mapped[date] = mapped_column(Date)


class WebhookDelivery(Base):
    """One status webhook waiting to be delivered (deleted once the channel answered 2xx)."""

    __tablename__ = "webhook_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("service_accounts.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    case_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[CoarseStatus] = mapped_column(enum_column(CoarseStatus, "status", 16))
    status_on: Mapped[date] = mapped_column(Date)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(64))
