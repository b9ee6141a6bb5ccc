"""Four-eyes requests: one person asks, a second person with the right role decides.

A request holds metadata only (action, case, who asked, a reason chosen from a fixed list,
state and times): a custodian deciding on an identity request does not hold the case DEK,
so nothing sealed under it could be shown to them, and free text would be report content
outside the case's encryption. A forwarding request's details are the one exception: they
are sealed under the case DEK, and only supervisors holding the case decide on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.coltypes import UtcDateTime, enum_column
from sipadu.db import Base
from sipadu.roles import StaffRole


class ApprovalAction(StrEnum):
    """What a four-eyes request asks for (the rules are in ``rules.py``)."""

    OPEN_IDENTITY = "open_identity"
    FORWARD_CASE = "forward_case"
    EXPORT_CASE = "export_case"
    PUBLISH_REDACTION = "publish_redaction"


class ApprovalState(StrEnum):
    """Where a request stands; only ``pending`` may be decided."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class ExportView(StrEnum):
    """Which view of the case an export carries."""

    FULL = "full"
    # The published redaction applied (``redaction_publish.py``), files withheld.
    REDACTED = "redacted"


class RequestReason(StrEnum):
    """Why an approval is needed: a fixed list, no free text. Each action accepts its own
    part of it (``IDENTITY_REASONS``, ``EXPORT_REASONS``); one column holds them all."""

    # Opening an identity.
    PROTECTION = "protection"
    CONTACT = "contact"
    WITNESS = "witness"
    LEGAL = "legal"
    # Exporting a case: where it goes, and why.
    TO_KPK = "to_kpk"
    TO_POLICE = "to_police"
    TO_PROSECUTOR = "to_prosecutor"
    TO_BPK = "to_bpk"
    AGENCY_CLARIFY = "agency_clarify"
    OTHER_LEGAL_DUTY = "legal_duty"


_R = RequestReason
IDENTITY_REASONS = (_R.PROTECTION, _R.CONTACT, _R.WITNESS, _R.LEGAL)
EXPORT_REASONS = (
    _R.TO_KPK,
    _R.TO_POLICE,
    _R.TO_PROSECUTOR,
    _R.TO_BPK,
    _R.AGENCY_CLARIFY,
    _R.OTHER_LEGAL_DUTY,
)


class ApprovalRequest(Base):
    """One four-eyes request and its decision."""

    __tablename__ = "approval_requests"
    # The home counts and the custodian's list read pending requests by action.
    __table_args__ = (Index("ix_approval_requests_state_action", "state", "action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[ApprovalAction] = mapped_column(enum_column(ApprovalAction, "action", 32))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    # The requester's role when they asked: what the reporter's timeline names.
    requester_role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole, "requester_role", 16))
    reason: Mapped[RequestReason] = mapped_column(enum_column(RequestReason, "reason", 16))
    # What exactly is approved, where the action has a choice: an export's view
    # (``ExportView``); None for the others.
    scope: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[ApprovalState] = mapped_column(enum_column(ApprovalState, "state", 16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Pending: when the request lapses undecided. Approved: when the permission ends.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the approved requester first read what was approved (an identity: "opened").
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # An identity request: the identity version it was decided on (``Case.identity_version``);
    # a new version needs a request of its own. None while pending and for other actions.
    identity_version: Mapped[int | None] = mapped_column(Integer)
    # A forwarding request: the institution, its reference and the reason, sealed under the
    # case DEK and bound to this row (``forward_request.py``); None for the other actions.
    details_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class RedactionState(StrEnum):
    """A case's redaction: the one being marked, or the one exports use."""

    DRAFT = "draft"
    PUBLISHED = "published"


class CaseRedaction(Base):
    """The spans marked for redaction in a case's texts, sealed under the case DEK (the marks
    say where names and numbers are, so they are case content too).

    A case has at most one draft (marked by its workers, maybe waiting for a supervisor
    through ``request_id``) and at most one published redaction (``redaction_publish.py``)."""

    __tablename__ = "case_redactions"
    __table_args__ = (UniqueConstraint("case_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    state: Mapped[RedactionState] = mapped_column(enum_column(RedactionState, "state", 16))
    # Random, bound into the sealed marks: marks copied from another row do not open.
    record_id: Mapped[bytes] = mapped_column(LargeBinary(16))
    marks_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    marked_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    marked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The latest publication request for this draft (its state says whether it still waits).
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
