"""A reporter's sealed identity in the custodians' keeping (``crypto/identity.py``).

The identity is sealed under an identity key of its own, wrapped for every active identity
custodian with a key pair and for the escrow key. The case DEK does not open it, so the
supervisors and investigators who hold the case cannot read it; one of them can only after
a custodian approves their request (``sipadu/confidential``), through a grant of their own
that expires.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.models import Case, IdentityKeyGrant, IdentityVersionRead
from sipadu.cases.sealing import open_record, report_binding
from sipadu.crypto import envelope
from sipadu.crypto import identity as identity_crypto
from sipadu.crypto.errors import DecryptionError
from sipadu.roles import StaffRole


class IdentityUnavailableError(Exception):
    """The identity does not open for this person (no grant, expired, or not theirs)."""


def custodians(db: Session) -> list[StaffAccount]:
    """Active custodians whose owner completed setup (the key pair exists) and whose
    activation another custodian (or the escrow holder) approved: an admin who completed a
    custodian's setup link alone must not come to hold the identities."""
    rows = db.scalars(
        select(StaffAccount)
        .where(
            StaffAccount.role == StaffRole.CUSTODIAN,
            StaffAccount.active.is_(True),
            StaffAccount.password_hash != "",
            StaffAccount.activation_approved_at.is_not(None),
        )
        .order_by(StaffAccount.id)
    )
    return [account for account in rows if account.has_keys]


def seal_custodial_identity(
    db: Session,
    case: Case,
    identity: Mapping[str, str],
    *,
    escrow_public: bytes | None,
    now: datetime | None = None,
) -> int:
    """Seal (or replace) the identity, as its next version, under a new identity key for the
    custodians and the escrow key; earlier grants (an approved reader's too) stop opening
    anything and are deleted (keep an opened version first: ``keep_version_for``). Returns
    how many custodians hold it."""
    key = identity_crypto.new_identity_key()
    case.identity_version = (case.identity_version or 0) + 1
    plain = json.dumps(dict(identity), ensure_ascii=False, separators=(",", ":")).encode()
    case.identity_sealed = identity_crypto.seal_identity(key, case.code, plain)
    case.identity_custodial = True
    case.identity_escrow_grant = (
        identity_crypto.wrap_identity_key(key, escrow_public, case.code) if escrow_public else None
    )
    drop_identity_grants(db, case)
    holders = custodians(db)
    moment = now or datetime.now(UTC)
    for holder in holders:
        db.add(
            IdentityKeyGrant(
                case_id=case.id,
                staff_id=holder.id,
                wrapped_key=identity_crypto.wrap_identity_key(key, holder.public_key, case.code),
                expires_at=None,
                created_at=moment,
            )
        )
    db.flush()
    return len(holders)


def _source_grant(db: Session, case: Case, holder_id: int | None) -> bytes | None:
    """The wrapped identity key the sharer opens: their own lasting grant, or escrow's."""
    if holder_id is None:
        return case.identity_escrow_grant
    grant = identity_grant(db, case, holder_id)
    return grant.wrapped_key if grant is not None and grant.expires_at is None else None


def share_identities(
    db: Session,
    target: StaffAccount,
    holder_id: int | None,
    private_key: bytes,
    *,
    now: datetime | None = None,
) -> int:
    """Wrap for a newly approved custodian every sealed identity the sharer opens: the
    custodian ``holder_id`` with their session's key, or (``holder_id`` None) the escrow
    holder with the escrow private key. Identities the target already holds, or whose copy
    does not open with ``private_key``, are skipped. Returns how many were shared."""
    held = set(
        db.scalars(select(IdentityKeyGrant.case_id).where(IdentityKeyGrant.staff_id == target.id))
    )
    cases = db.scalars(
        select(Case)
        .where(Case.identity_custodial.is_(True), Case.identity_sealed.is_not(None))
        .order_by(Case.id)
    )
    moment, shared = now or datetime.now(UTC), 0
    for case in cases:
        wrapped = None if case.id in held else _source_grant(db, case, holder_id)
        if wrapped is None:
            continue
        try:
            key = identity_crypto.unwrap_identity_key(wrapped, private_key, case.code)
        except DecryptionError:
            continue  # a copy for an older key pair of the sharer: it opens nothing
        rewrapped = identity_crypto.wrap_identity_key(key, target.public_key, case.code)
        db.add(
            IdentityKeyGrant(
                case_id=case.id,
                staff_id=target.id,
                wrapped_key=rewrapped,
                expires_at=None,
                created_at=moment,
            )
        )
        shared += 1
    db.flush()
    return shared


def drop_identity_grants(db: Session, case: Case) -> None:
    """Delete every wrapped copy of the case's identity key held by staff."""
    db.execute(delete(IdentityKeyGrant).where(IdentityKeyGrant.case_id == case.id))
    db.flush()


def identity_grant(db: Session, case: Case, staff_id: int) -> IdentityKeyGrant | None:
    """The staff member's grant on the case's identity key, if any."""
    return db.scalar(
        select(IdentityKeyGrant).where(
            IdentityKeyGrant.case_id == case.id, IdentityKeyGrant.staff_id == staff_id
        )
    )


def identity_key_for(
    db: Session, case: Case, staff_id: int, private_key: bytes, now: datetime | None = None
) -> bytes:
    """The identity key through the staff member's own, unexpired grant."""
    grant = identity_grant(db, case, staff_id)
    if grant is None or not case.identity_custodial:
        raise IdentityUnavailableError("no identity grant")
    if grant.expires_at is not None and grant.expires_at <= (now or datetime.now(UTC)):
        db.delete(grant)
        db.flush()
        raise IdentityUnavailableError("the identity grant has expired")
    try:
        return identity_crypto.unwrap_identity_key(grant.wrapped_key, private_key, case.code)
    except DecryptionError:
        raise IdentityUnavailableError("the grant is not for this key pair") from None


def open_custodial_identity(case: Case, identity_key: bytes) -> dict[str, object]:
    """The identity document under its key; raises IdentityUnavailableError otherwise."""
    if case.identity_sealed is None or not case.identity_custodial:
        raise IdentityUnavailableError("no custodial identity")
    try:
        document = json.loads(
            identity_crypto.open_identity(identity_key, case.code, case.identity_sealed)
        )
    except (DecryptionError, ValueError):
        raise IdentityUnavailableError("the identity does not open") from None
    if not isinstance(document, dict):
        raise IdentityUnavailableError("the identity is not a document")
    return document


def grant_identity_to(
    db: Session,
    case: Case,
    identity_key: bytes,
    recipient: StaffAccount,
    *,
    expires_at: datetime,
    now: datetime | None = None,
) -> IdentityKeyGrant:
    """Wrap the identity key for an approved reader until ``expires_at``."""
    grant = identity_grant(db, case, recipient.id)
    wrapped = identity_crypto.wrap_identity_key(identity_key, recipient.public_key, case.code)
    if grant is None:
        grant = IdentityKeyGrant(case_id=case.id, staff_id=recipient.id, wrapped_key=wrapped)
        db.add(grant)
    grant.wrapped_key, grant.expires_at = wrapped, expires_at
    grant.created_at = now or datetime.now(UTC)
    db.flush()
    return grant


def drop_expired_identity_grants(db: Session, now: datetime | None = None) -> int:
    """Delete the approved readers' grants (of the current and of earlier versions) whose
    time has passed; returns how many grants of the current version went."""
    moment = now or datetime.now(UTC)
    result = db.execute(
        delete(IdentityKeyGrant).where(
            IdentityKeyGrant.expires_at.is_not(None),
            IdentityKeyGrant.expires_at <= moment,
        )
    )
    db.execute(delete(IdentityVersionRead).where(IdentityVersionRead.expires_at <= moment))
    db.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def drop_reader_identity_grants(db: Session, case: Case, staff_id: int) -> None:
    """Delete what an approved reader holds of this case's identity (the current version's
    expiring grant, earlier versions kept for them) when they lose the case: reading it
    again needs a new request and a new custodian decision. A custodian's lasting grant
    (no expiry) is not a reading permission and stays."""
    db.execute(
        delete(IdentityKeyGrant).where(
            IdentityKeyGrant.case_id == case.id,
            IdentityKeyGrant.staff_id == staff_id,
            IdentityKeyGrant.expires_at.is_not(None),
        )
    )
    db.execute(
        delete(IdentityVersionRead).where(
            IdentityVersionRead.case_id == case.id, IdentityVersionRead.staff_id == staff_id
        )
    )
    db.flush()


def drop_staff_identity_grants(db: Session, staff_id: int) -> None:
    """Delete every identity key (current or earlier version) wrapped for this staff member
    (deactivation, reset)."""
    db.execute(delete(IdentityKeyGrant).where(IdentityKeyGrant.staff_id == staff_id))
    db.execute(delete(IdentityVersionRead).where(IdentityVersionRead.staff_id == staff_id))


def reseal_legacy_identity(
    db: Session,
    case: Case,
    dek: bytes,
    *,
    escrow_public: bytes | None,
    now: datetime | None = None,
) -> bool:
    """Move an identity sealed under the DEK (before custodians existed) to the custodians.

    Called when the reporter opens the case with their key, the one moment its DEK is at
    hand without a staff member. An identity that does not open stays as it is, and so
    does one nobody would hold afterwards (no custodian, no escrow key). Returns True when
    it was moved."""
    if case.identity_sealed is None or case.identity_custodial:
        return False
    if escrow_public is None and not custodians(db):
        return False
    try:
        plain = open_record(dek, case, envelope.KIND_IDENTITY, case.identity_sealed, report_binding)
        document = json.loads(plain)
    except (DecryptionError, ValueError):
        return False
    if not isinstance(document, dict):
        return False
    identity = {str(k): str(v) for k, v in document.items() if v is not None}
    seal_custodial_identity(db, case, identity, escrow_public=escrow_public, now=now)
    return True
