"""Identity versions: what a reporter's new details do to the approvals of the old ones.

Each identity the reporter seals is a new version (``Case.identity_version``); an approval
names the version the custodian decided on. When the reporter adds new details:

- a version someone already opened stays readable by that approved reader until their
  permission ends (``keep_version_for``): the reporter can no longer take it back, and
  cutting the reader off mid-work would only make them ask again;
- an approval nobody used yet ends as ``withdrawn``: nobody saw those details, and the
  reporter replaced them;
- pending requests stay pending and are decided on the new version;
- the new version is opened only through a request of its own, which the requester may
  make even while their approval of an earlier version lasts.

Withdrawal and its wording are per version: the reporter may withdraw the current version
while nobody has opened it, whatever happened to earlier ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.identity import seal_custodial_identity
from sipadu.cases.identity_versions import keep_version_for
from sipadu.cases.models import Case
from sipadu.confidential.models import ApprovalAction, ApprovalRequest, ApprovalState

OPEN_IDENTITY = ApprovalAction.OPEN_IDENTITY


def _opened_versions(db: Session, case: Case) -> set[int]:
    rows = db.scalars(
        select(ApprovalRequest.identity_version).where(
            ApprovalRequest.action == OPEN_IDENTITY,
            ApprovalRequest.case_id == case.id,
            ApprovalRequest.used_at.is_not(None),
        )
    )
    return {version for version in rows if version is not None}


def current_version_opened(db: Session, case: Case) -> bool:
    """True once an approved requester has read the identity sealed now."""
    return case.identity_sealed is not None and case.identity_version in _opened_versions(db, case)


def earlier_version_opened(db: Session, case: Case) -> bool:
    """True when an identity the reporter has since replaced (or withdrawn) was opened."""
    current = case.identity_version if case.identity_sealed is not None else None
    return any(version != current for version in _opened_versions(db, case))


def _live_approvals_of_current(db: Session, case: Case, now: datetime) -> list[ApprovalRequest]:
    return list(
        db.scalars(
            select(ApprovalRequest).where(
                ApprovalRequest.action == OPEN_IDENTITY,
                ApprovalRequest.case_id == case.id,
                ApprovalRequest.state == ApprovalState.APPROVED,
                ApprovalRequest.identity_version == case.identity_version,
                ApprovalRequest.expires_at > now,
            )
        )
    )


def seal_new_version(
    db: Session,
    case: Case,
    identity: Mapping[str, str],
    *,
    escrow_public: bytes | None,
    now: datetime | None = None,
) -> int:
    """Seal the reporter's new details as the next version, keeping each opened earlier
    version for its approved reader (module docstring). Returns how many custodians hold
    the new version."""
    moment = now or datetime.now(UTC)
    if case.identity_sealed is not None and case.identity_custodial:
        for approval in _live_approvals_of_current(db, case, moment):
            if approval.used_at is None or not keep_version_for(
                db, case, approval.requested_by, approval.expires_at
            ):
                approval.state = ApprovalState.WITHDRAWN
    return seal_custodial_identity(db, case, identity, escrow_public=escrow_public, now=moment)
