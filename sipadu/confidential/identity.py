"""Opening a sealed identity with four eyes: a case worker asks, a custodian decides, and
only the requester reads it, for a limited time.

1. ``request_identity``: a supervisor or investigator who holds the case (not conflicted)
   asks, with a reason from a fixed list. The request lapses after ``pending.REQUEST_TTL``.
2. ``decide``: a custodian (never the requester, ``rules.may_approve``) approves or refuses.
   On approval the custodian's session re-wraps the identity key for the requester, with an
   expiry (``READ_TTL``); the grant row is deleted once it has passed.
3. ``read_identity``: the requester opens it through that grant. The first reading marks
   the identity as opened: an audit event, and a timeline entry the reporter sees naming the
   requester's role (sealed under the DEK, which the requester holds).
4. ``withdraw_identity``: the reporter removes the identity while nobody has opened it.

Every step is audited with metadata only (request id, reason code, role), never the
identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import Actor, staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.content import add_timeline_entry
from sipadu.cases.identity import (
    IdentityUnavailableError,
    drop_expired_identity_grants,
    drop_identity_grants,
    grant_identity_to,
    identity_key_for,
    open_custodial_identity,
)
from sipadu.cases.identity_versions import open_earlier_version
from sipadu.cases.kinds import TimelineKind
from sipadu.cases.models import Case, IdentityKeyGrant, IdentityVersionRead
from sipadu.cases.service import grant_for, is_conflicted
from sipadu.confidential.identity_versions import current_version_opened
from sipadu.confidential.models import (
    ApprovalAction,
    ApprovalRequest,
    ApprovalState,
    RequestReason,
)
from sipadu.confidential.pending import open_request
from sipadu.confidential.rules import may_approve, may_request
from sipadu.notify.service import notify_identity_answer, notify_identity_request

READ_TTL = timedelta(hours=48)
OPEN_IDENTITY = ApprovalAction.OPEN_IDENTITY


class IdentityRequestError(Exception):
    """Base class of refused identity requests, decisions and withdrawals."""


class NoIdentityError(IdentityRequestError):
    """The case holds no identity sealed for custodians."""


class NotHandlingCaseError(IdentityRequestError):
    """The requester may not ask: wrong role, no grant on the case, or conflicted."""


class DuplicateRequestError(IdentityRequestError):
    """The requester already has a pending request on this case, or a live approval of the
    identity version sealed now."""


class NotADeciderError(IdentityRequestError):
    """The decider is not an approved custodian, or is the requester (four eyes)."""


class RequestClosedError(IdentityRequestError):
    """The request is not pending any more (decided, withdrawn or expired)."""


class RequestNotFoundError(RequestClosedError):
    """No identity request has this id."""


class IdentityAlreadyOpenedError(IdentityRequestError):
    """The reporter cannot withdraw an identity someone has already read."""


@dataclass(frozen=True)
class OpenedIdentity:
    """An identity as the approved requester reads it, and until when they may; ``earlier``
    when it is a version the reporter has since replaced."""

    document: dict[str, object]
    until: datetime
    version: int
    earlier: bool = False


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def expire_requests(db: Session, now: datetime | None = None) -> None:
    """Pending requests and approvals past their time become ``expired``, and the approved
    readers' grants past theirs are deleted (called before every step of the flow)."""
    moment = _now(now)
    db.execute(
        update(ApprovalRequest)
        .where(
            ApprovalRequest.state.in_([ApprovalState.PENDING, ApprovalState.APPROVED]),
            ApprovalRequest.expires_at <= moment,
        )
        .values(state=ApprovalState.EXPIRED)
    )
    drop_expired_identity_grants(db, moment)
    end_approvals_without_grant(db, moment)


def end_approvals_without_grant(db: Session, now: datetime) -> None:
    """Approvals whose reader no longer holds the key they were given end (``expired``,
    now): the reader lost the case (unassignment, conflict, unit move) or their account was
    deactivated or reset. Reading again needs a new request and a new decision."""
    current_grant = (
        select(IdentityKeyGrant.id)
        .where(
            IdentityKeyGrant.case_id == ApprovalRequest.case_id,
            IdentityKeyGrant.staff_id == ApprovalRequest.requested_by,
            IdentityKeyGrant.expires_at.is_not(None),
        )
        .correlate(ApprovalRequest)
    )
    kept_version = (
        select(IdentityVersionRead.id)
        .where(
            IdentityVersionRead.case_id == ApprovalRequest.case_id,
            IdentityVersionRead.staff_id == ApprovalRequest.requested_by,
            IdentityVersionRead.identity_version == ApprovalRequest.identity_version,
        )
        .correlate(ApprovalRequest)
    )
    db.execute(
        update(ApprovalRequest)
        .where(
            ApprovalRequest.action == OPEN_IDENTITY,
            ApprovalRequest.state == ApprovalState.APPROVED,
            ~current_grant.exists(),
            ~kept_version.exists(),
        )
        .values(state=ApprovalState.EXPIRED, expires_at=now)
    )


def _live_request(db: Session, case: Case, staff_id: int, now: datetime) -> ApprovalRequest | None:
    # An approval of an earlier version does not count: the version sealed now needs its
    # own request (identity_versions.py).
    return db.scalar(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.action == OPEN_IDENTITY,
            ApprovalRequest.case_id == case.id,
            ApprovalRequest.requested_by == staff_id,
            or_(
                ApprovalRequest.state == ApprovalState.PENDING,
                (ApprovalRequest.state == ApprovalState.APPROVED)
                & (ApprovalRequest.identity_version == case.identity_version),
            ),
            ApprovalRequest.expires_at > now,
        )
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )


def handles_case(db: Session, case: Case, account: StaffAccount) -> bool:
    """A case worker who may ask: role allowed, holds a grant on the case, not conflicted."""
    return (
        may_request(OPEN_IDENTITY, account.role)
        and grant_for(db, case, account.id) is not None
        and not is_conflicted(db, case, account.id)
    )


def request_identity(
    db: Session,
    case: Case,
    requester: StaffAccount,
    reason: RequestReason,
    *,
    audit_key: bytes,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Ask the custodians to open the case's identity for ``requester``."""
    moment = _now(now)
    expire_requests(db, moment)
    if not handles_case(db, case, requester):
        raise NotHandlingCaseError(requester.id)
    if case.identity_sealed is None or not case.identity_custodial:
        raise NoIdentityError(case.code)
    if _live_request(db, case, requester.id, moment) is not None:
        raise DuplicateRequestError(case.code)
    request = open_request(db, OPEN_IDENTITY, case, requester, reason, moment)
    notify_identity_request(db, moment)
    record_event(
        db,
        audit_key,
        "identity:requested",
        actor=staff_actor(requester.id),
        case_code=case.code,
        detail={"request": request.id, "reason": reason.value},
        now=moment,
    )
    return request


def _pending(db: Session, request_id: int, now: datetime) -> ApprovalRequest:
    expire_requests(db, now)
    request = db.get(ApprovalRequest, request_id)
    if request is None or request.action != OPEN_IDENTITY:
        raise RequestNotFoundError(request_id)
    if request.state != ApprovalState.PENDING:
        raise RequestClosedError(request_id)
    return request


def decide(
    db: Session,
    request_id: int,
    decider: StaffAccount,
    private_key: bytes,
    *,
    approve: bool,
    audit_key: bytes,
    now: datetime | None = None,
) -> ApprovalRequest:
    """A custodian approves (re-wrapping the identity key for the requester, with an expiry)
    or refuses a pending request."""
    moment = _now(now)
    request = _pending(db, request_id, moment)
    if decider.activation_approved_at is None or not may_approve(
        OPEN_IDENTITY,
        requester_id=request.requested_by,
        approver_id=decider.id,
        approver_role=decider.role,
    ):
        raise NotADeciderError(decider.id)
    case = db.get(Case, request.case_id)
    requester = db.get(StaffAccount, request.requested_by)
    assert case is not None  # noqa: S101 - the foreign key cascades
    if approve:
        if requester is None or not requester.active or not handles_case(db, case, requester):
            raise NotHandlingCaseError(request.requested_by)
        key = identity_key_for(db, case, decider.id, private_key, moment)
        grant_identity_to(db, case, key, requester, expires_at=moment + READ_TTL, now=moment)
        request.expires_at = moment + READ_TTL
    request.state = ApprovalState.APPROVED if approve else ApprovalState.REFUSED
    request.identity_version = case.identity_version
    request.decided_by, request.decided_at = decider.id, moment
    notify_identity_answer(db, request.requested_by, moment)
    record_event(
        db,
        audit_key,
        "identity:approved" if approve else "identity:refused",
        actor=staff_actor(decider.id),
        case_code=case.code,
        detail={"request": request.id, "requester": request.requested_by},
        now=moment,
    )
    db.flush()
    return request


def read_identity(
    db: Session,
    case: Case,
    reader: StaffAccount,
    private_key: bytes,
    dek: bytes,
    *,
    audit_key: bytes,
    now: datetime | None = None,
) -> OpenedIdentity:
    """The identity for the approved requester, while their approval lasts.

    ``dek`` is the case DEK the reader's own grant opened: the first reading seals the
    reporter's timeline entry with it."""
    moment = _now(now)
    expire_requests(db, moment)
    if is_conflicted(db, case, reader.id):
        raise IdentityUnavailableError("conflicted")
    request = _live_request(db, case, reader.id, moment)
    if request is None or request.state != ApprovalState.APPROVED:
        return _read_earlier_version(db, case, reader, private_key, audit_key, moment)
    document = open_custodial_identity(
        case, identity_key_for(db, case, reader.id, private_key, moment)
    )
    if request.used_at is None:
        request.used_at = moment
        add_timeline_entry(
            db,
            case,
            dek,
            kind=TimelineKind.IDENTITY_OPENED,
            text=str(request.requester_role),
            now=moment,
        )
    record_event(
        db,
        audit_key,
        "identity:opened",
        actor=staff_actor(reader.id),
        case_code=case.code,
        detail={"request": request.id, "version": case.identity_version},
        now=moment,
    )
    return OpenedIdentity(document, request.expires_at, case.identity_version)


def _read_earlier_version(
    db: Session,
    case: Case,
    reader: StaffAccount,
    private_key: bytes,
    audit_key: bytes,
    moment: datetime,
) -> OpenedIdentity:
    """A version the reporter has since replaced, kept for this reader because they had
    opened it, while their approval of it lasts (already on the reporter's timeline)."""
    kept, document = open_earlier_version(db, case, reader.id, private_key, moment)
    record_event(
        db,
        audit_key,
        "identity:opened",
        actor=staff_actor(reader.id),
        case_code=case.code,
        detail={"version": kept.identity_version},
        now=moment,
    )
    return OpenedIdentity(document, kept.expires_at, kept.identity_version, earlier=True)


def identity_opened(db: Session, case: Case) -> bool:
    """True once an approved requester has read the identity version sealed now."""
    return current_version_opened(db, case)


def withdraw_identity(db: Session, case: Case, *, audit_key: bytes) -> None:
    """The reporter removes the identity version sealed now while nobody has opened it;
    requests on it end as ``withdrawn`` and every wrapped copy of its key is deleted. An
    earlier version someone opened stays with its reader until their permission ends."""
    if case.identity_sealed is None:
        raise NoIdentityError(case.code)
    if identity_opened(db, case):
        raise IdentityAlreadyOpenedError(case.code)
    case.identity_sealed, case.identity_escrow_grant = None, None
    drop_identity_grants(db, case)
    db.execute(
        update(ApprovalRequest)
        .where(
            ApprovalRequest.action == OPEN_IDENTITY,
            ApprovalRequest.case_id == case.id,
            or_(
                ApprovalRequest.state == ApprovalState.PENDING,
                (ApprovalRequest.state == ApprovalState.APPROVED)
                & (ApprovalRequest.identity_version == case.identity_version),
            ),
        )
        .values(state=ApprovalState.WITHDRAWN)
    )
    record_event(db, audit_key, "identity:withdrawn", actor=Actor.REPORTER, case_code=case.code)
    db.flush()


def my_request(
    db: Session, case: Case, staff_id: int, now: datetime | None = None
) -> ApprovalRequest | None:
    """The staff member's live request on this case (pending or approved), if any; approvals
    that ended (time, lost case, reset account) are closed first."""
    moment = _now(now)
    expire_requests(db, moment)
    return _live_request(db, case, staff_id, moment)


def last_ended_request(db: Session, case: Case, staff_id: int) -> ApprovalRequest | None:
    """The staff member's newest identity request on this case when it was refused or
    withdrawn (the reporter withdrew or replaced the details), so their case page can say
    so; None when their newest request ended otherwise or is still live."""
    newest = db.scalar(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.action == OPEN_IDENTITY,
            ApprovalRequest.case_id == case.id,
            ApprovalRequest.requested_by == staff_id,
        )
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )
    if newest is None or newest.state not in (ApprovalState.REFUSED, ApprovalState.WITHDRAWN):
        return None
    return newest
