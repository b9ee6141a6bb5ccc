"""Audit log tables: the append-only event chain, its single head row, and the day queue
that holds reporter events until they are sealed into the chain once their day is over."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.db import Base

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One audited event. ``hash`` chains it to the previous row; ``hmac`` proves the writer."""

    __tablename__ = "audit_events"

    # Assigned by the service under the head lock, so the sequence has no gaps.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    tag: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    case_code: Mapped[str | None] = mapped_column(String(32), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    hmac: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's newest link. Locking this row serialises writers; it also exposes truncation."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    hmac: Mapped[str] = mapped_column(String(64))


class AuditQueueEntry(Base):
    """A reporter event waiting for its day to end (see ``sipadu/audit/day_queue.py``).

    Nothing here tells when in the day it was queued: a random id, the day, and the event
    itself sealed (AES-GCM under a key derived from the audit key), so a dump shows neither
    which case nor what happened, and any edit fails authentication.
    """

    __tablename__ = "audit_queue"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class AuditQueueState(Base):
    """How many events are queued and how many were ever queued, under the audit key's HMAC:
    a deleted queue row no longer matches the count."""

    __tablename__ = "audit_queue_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pending: Mapped[int] = mapped_column(Integer)
    queued_total: Mapped[int] = mapped_column(Integer)
    hmac: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """The newest row the auditor console found intact, under the audit key's HMAC, so the
    next view verifies only the rows after it (the CLI still walks the whole chain)."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    hmac: Mapped[str] = mapped_column(String(64))
