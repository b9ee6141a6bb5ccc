"""Cases and what hangs off them. Every column that could identify a reporter or reveal
content is ciphertext under the case's data key (DEK); the rest is metadata the operator
may see (docs/crypto.md, threat model): code, category, status, unit, coarse dates and who
on the staff acted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.cases.kinds import (
    CATEGORIES,
    AuthorKind,
    Category,
    GrantReason,
    IntakeChannel,
    TimelineKind,
)
from sipadu.cases.statuses import Destination, ForwardResult, Outcome, Status
from sipadu.coltypes import UtcDateTime, enum_column
from sipadu.db import Base

__all__ = [
    "CATEGORIES",
    "Attachment",
    "Case",
    "CaseConflict",
    "CaseGrant",
    "CaseKeyThrottle",
    "CaseMessage",
    "CaseRating",
    "IdentityKeyGrant",
    "IdentityVersionRead",
    "TimelineEntry",
]


class Case(Base):
    """One report and its life in the workflow."""

    __tablename__ = "cases"
    # The inbox sorts by received day (then id) and filters by status (migration 0005).
    __table_args__ = (
        Index("ix_cases_received_on_id", "received_on", "id"),
        Index("ix_cases_status_received_on", "status", "received_on"),
        Index(
            "ix_cases_deadlines",
            "status",
            "received_on",
            "acknowledged_on",
            "decided_on",
            "last_feedback_on",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[Category] = mapped_column(enum_column(Category, "category", 32), index=True)
    status: Mapped[Status] = mapped_column(enum_column(Status, "status", 32), index=True)
    # The code of the unit the case is routed to (``units.code``); NULL on cases filed
    # before units existed.
    unit: Mapped[str | None] = mapped_column(String(120), index=True)
    # The kota/kabupaten of the incident (a Kemendagri code), when the reporter gave a place:
    # the finer kecamatan and kelurahan stay inside the sealed report (docs/reporting.md).
    area_kota: Mapped[str | None] = mapped_column(String(8))
    # How a report filed by an intake officer came in; NULL for reports filed online.
    intake_channel: Mapped[IntakeChannel | None] = mapped_column(
        enum_column(IntakeChannel, "intake_channel", 32)
    )
    # Day only: the exact submission time exists only inside the sealed report.
    received_on: Mapped[date] = mapped_column(Date, index=True)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    last_feedback_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    archived_on: Mapped[date | None] = mapped_column(Date, index=True)
    retention_until: Mapped[date | None] = mapped_column(Date, index=True)
    # Set when a supervisor extends retention: who, and why (the reason sealed under the DEK).
    retention_extended_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    retention_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "outcome", 32))
    objection_used: Mapped[bool] = mapped_column(Boolean, default=False)
    # Forwarding: the receiving institution, its reference number (sealed under the DEK: it
    # ties this case to a file elsewhere) and, once recorded, its outcome.
    forwarded_to: Mapped[Destination | None] = mapped_column(
        enum_column(Destination, "forwarded_to", 16)
    )
    forward_reference_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    forward_result: Mapped[ForwardResult | None] = mapped_column(
        enum_column(ForwardResult, "forward_result", 16)
    )
    # AES-GCM under the DEK, AAD bound to this case and the record kind.
    report_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    identity_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # True when ``identity_sealed`` is under its own identity key (crypto/identity.py),
    # wrapped for custodians in ``identity_key_grants`` and for escrow here; False for an
    # identity sealed under the DEK before custodians existed (migration 0012).
    identity_custodial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    identity_escrow_grant: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Which identity is sealed now: each identity the reporter seals is a new version (0:
    # none yet). Approvals name the version they opened (``confidential/identity.py``).
    identity_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Argon2id verifier of the reporter's secret plus the DEK wrapped under its derived key.
    reporter_key_record: Mapped[bytes] = mapped_column(LargeBinary)
    # The DEK wrapped for the instance escrow key (recovery when staff leave).
    escrow_grant: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The newest message (``case_messages.id``) the reporter's case page has shown; later
    # Inspektorat messages are marked "new". One per case, whatever device opened it; no
    # time of the visit is kept (``cases/read_markers.py``).
    reporter_seen_message: Mapped[int | None] = mapped_column(Integer)
    # The same for the timeline: the newest entry (``timeline_entries.id``) the page has shown;
    # later status changes and answers are marked "new".
    reporter_seen_entry: Mapped[int | None] = mapped_column(Integer)


class CaseGrant(Base):
    """The case DEK wrapped for one staff member's public key."""

    __tablename__ = "case_grants"
    # The inbox starts from one reader's grants, by reason (migration 0005).
    __table_args__ = (
        UniqueConstraint("case_id", "staff_id"),
        Index("ix_case_grants_staff_reason_case", "staff_id", "reason", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[GrantReason] = mapped_column(enum_column(GrantReason, "reason", 16))
    wrapped_dek: Mapped[bytes] = mapped_column(LargeBinary)
    granted_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseConflict(Base):
    """A declared or marked conflict of interest: that person never gets this case."""

    __tablename__ = "case_conflicts"
    __table_args__ = (UniqueConstraint("case_id", "staff_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    marked_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseRead(Base):
    """How far one officer has read a case: the newest message their case page showed."""

    __tablename__ = "case_reads"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    seen_message: Mapped[int] = mapped_column(Integer)


class CaseMessage(Base):
    """A message between reporter and Inspektorat, or a staff-only internal note."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_kind: Mapped[AuthorKind] = mapped_column(enum_column(AuthorKind, "author_kind", 16))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Random row identity drawn before sealing, bound into the sealed content (envelope v2);
    # NULL only on rows of cases never written to since the upgrade.
    record_id: Mapped[bytes | None] = mapped_column(LargeBinary(16), index=True, unique=True)
    # Day only for reporter messages; the exact time is inside the sealed body.
    created_on: Mapped[date] = mapped_column(Date)


class TimelineEntry(Base):
    """Something the reporter sees on the case timeline (status changes and the like)."""

    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TimelineKind] = mapped_column(enum_column(TimelineKind, "kind", 32))
    status: Mapped[Status | None] = mapped_column(enum_column(Status, "status", 32))
    # Reporter-safe text (a reason, a conclusion), sealed under the DEK.
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Random row identity drawn before sealing, bound into the sealed content (envelope v2);
    # NULL only on rows of cases never written to since the upgrade.
    record_id: Mapped[bytes | None] = mapped_column(LargeBinary(16), index=True, unique=True)
    created_on: Mapped[date] = mapped_column(Date)


class Attachment(Base):
    """An encrypted file in the blob store; its file key is sealed under the case DEK."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    blob_id: Mapped[str] = mapped_column(String(64), unique=True)
    file_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Original name, type, size and the cleaning report, sealed under the DEK.
    meta_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Random row identity drawn before sealing, bound into the sealed content (envelope v2);
    # NULL only on rows of cases never written to since the upgrade.
    record_id: Mapped[bytes | None] = mapped_column(LargeBinary(16), index=True, unique=True)
    uploaded_by: Mapped[AuthorKind] = mapped_column(enum_column(AuthorKind, "uploaded_by", 16))
    created_on: Mapped[date] = mapped_column(Date)


class CaseRating(Base):
    """The reporter's one rating of how a closed case was handled.

    The score (1-5) is metadata, like the status: statistics count it, with small-cell
    suppression. The comment is content: sealed under the DEK together with the score,
    so the case page shows the pair as the reporter sent it."""

    __tablename__ = "case_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), unique=True, index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    record_id: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    # Day only, like every reporter act the operator can see.
    created_on: Mapped[date] = mapped_column(Date)


class CaseKeyThrottle(Base):
    """Failed case-key guesses per case code in the window that started at
    ``window_started_at`` (codes that do not exist are counted too): the per-code ceiling."""

    __tablename__ = "case_key_throttle"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime)
    window_started_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdentityKeyGrant(Base):
    """A case's identity key wrapped for one custodian (no expiry), or for the one staff
    member a custodian approved to read the identity (until ``expires_at``; the row is
    deleted once it has passed)."""

    __tablename__ = "identity_key_grants"
    __table_args__ = (UniqueConstraint("case_id", "staff_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdentityVersionRead(Base):
    """An earlier identity version someone was approved to read and opened, kept for that
    reader (its sealed text and their wrapped key) after the reporter sealed a new one, until
    their permission ends (the row is deleted then)."""

    __tablename__ = "identity_version_reads"
    __table_args__ = (UniqueConstraint("case_id", "staff_id", "identity_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    identity_version: Mapped[int] = mapped_column(Integer)
    identity_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
