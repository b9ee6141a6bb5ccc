"""Four eyes for supervisors: no case reaches a supervisor another supervisor has not approved.

A supervisor account an admin creates (or resets) is completed by its owner with a setup link,
but it is not given any case, new or old, until ANOTHER approved supervisor approves the
activation (``approve_activation``; never the admin, never the person themselves). The
approval is audited (``staff:activation_approved``) and queued as a content-free notification
for every active supervisor. The approver can then share the open cases they hold with the new
supervisor in one step (``case_sharing.share_open_cases``: their own grant's DEK re-wrapped
for the other's public key, one ``grant:shared`` event with a count).

The very first supervisor, or the next one after every approved supervisor is gone, has no
one to approve them: the escrow holder does, on the shell (``sipadu escrow approve``), since
the escrow key already opens every case. The admin alone can never activate a supervisor.

Identity custodians go through the same four eyes (``ACTIVATED_ROLES``): an approved
custodian approves a new one, and their session re-wraps every sealed identity they hold for
the new custodian at that moment (``share_identities``); the first custodian is approved by
the escrow holder, whose key opens every identity's escrow copy.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount, case_reader_clause
from sipadu.audit.actors import Actor, staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.identity import share_identities
from sipadu.notify.service import notify_supervisor_approved
from sipadu.roles import StaffRole


class ActivationError(Exception):
    """Base class of refused approvals and shares."""


class SelfApprovalError(ActivationError):
    """A supervisor or custodian tried to approve their own activation."""


class NotAnApproverError(ActivationError):
    """The acting account is not an active, approved account of the target's role."""


class NotAwaitingApprovalError(ActivationError):
    """The account is not a set-up supervisor or custodian waiting for approval."""


class ApprovedSupervisorExistsError(ActivationError):
    """The escrow path is only for when no approved account of the target's role exists."""


# Roles whose accounts receive keys (case DEKs, identity keys) only after four eyes.
ACTIVATED_ROLES = (StaffRole.SUPERVISOR, StaffRole.CUSTODIAN)


def readers_exist(db: Session) -> bool:
    """True when at least one approved supervisor would receive a new report."""
    return db.scalar(select(StaffAccount.id).where(case_reader_clause()).limit(1)) is not None


def is_approved_supervisor(account: StaffAccount | None) -> bool:
    """An active supervisor with a key pair whose activation was approved."""
    return is_approved(account, StaffRole.SUPERVISOR)


def is_approved(account: StaffAccount | None, role: StaffRole) -> bool:
    """An active account of ``role`` with a key pair whose activation was approved."""
    return (
        account is not None
        and account.role == role
        and account.active
        and account.has_keys
        and account.activation_approved_at is not None
    )


def is_awaiting_approval(account: StaffAccount | None) -> bool:
    """A supervisor or custodian who completed setup and TOTP enrolment, not approved yet."""
    return (
        account is not None
        and account.role in ACTIVATED_ROLES
        and account.active
        and account.has_keys
        and account.totp_confirmed
        and account.activation_approved_at is None
    )


def awaiting_approval(db: Session, role: StaffRole = StaffRole.SUPERVISOR) -> list[StaffAccount]:
    """Accounts of ``role`` waiting for another approved one's approval, by username."""
    rows = db.scalars(
        select(StaffAccount)
        .where(
            StaffAccount.role == role,
            StaffAccount.active.is_(True),
            StaffAccount.activation_approved_at.is_(None),
        )
        .order_by(StaffAccount.username)
    )
    return [account for account in rows if is_awaiting_approval(account)]


def approved_exists(db: Session, role: StaffRole) -> bool:
    """True when an approved account of ``role`` exists (then the escrow path is closed)."""
    if role == StaffRole.SUPERVISOR:
        return readers_exist(db)
    rows = db.scalars(
        select(StaffAccount).where(
            StaffAccount.role == role, StaffAccount.activation_approved_at.is_not(None)
        )
    )
    return any(is_approved(account, role) for account in rows)


def _approve(
    db: Session,
    target: StaffAccount,
    actor: str,
    audit_key: bytes,
    now: datetime | None,
    by_escrow: bool = False,
) -> None:
    target.activation_approved_at = now or datetime.now(UTC)
    detail: dict[str, int | str] = {"target": target.id}
    if by_escrow:
        detail["by"] = "escrow"
    record_event(db, audit_key, "staff:activation_approved", actor=actor, detail=detail)
    if target.role == StaffRole.SUPERVISOR:
        notify_supervisor_approved(db, now)
    db.flush()


def _share_identities(
    db: Session,
    target: StaffAccount,
    holder_id: int | None,
    private_key: bytes,
    *,
    actor: str,
    audit_key: bytes,
    now: datetime | None,
) -> int:
    """Re-wrap the sealed identities for a newly approved custodian, one audited count."""
    shared = share_identities(db, target, holder_id, private_key, now=now)
    detail: dict[str, int | str] = {"target": target.id, "identities": shared}
    record_event(db, audit_key, "identity:shared", actor=actor, detail=detail)
    db.flush()
    return shared


def approve_activation(
    db: Session,
    approver_id: int,
    target_id: int,
    *,
    audit_key: bytes,
    private_key: bytes | None = None,
    now: datetime | None = None,
) -> StaffAccount:
    """Another approved account of the same role approves ``target_id``.

    A supervisor receives new cases from now on. A custodian receives new identities, and
    ``private_key`` (the approving custodian's session key) re-wraps for them every identity
    the approver holds."""
    if approver_id == target_id:
        raise SelfApprovalError(target_id)
    approver = db.get(StaffAccount, approver_id)
    target = db.get(StaffAccount, target_id)
    if target is None or not is_awaiting_approval(target):
        raise NotAwaitingApprovalError(target_id)
    if not is_approved(approver, target.role):
        raise NotAnApproverError(approver_id)
    actor = staff_actor(approver_id)
    _approve(db, target, actor, audit_key, now)
    if target.role == StaffRole.CUSTODIAN:
        if private_key is None:
            raise NotAnApproverError(approver_id)
        _share_identities(
            db, target, approver_id, private_key, actor=actor, audit_key=audit_key, now=now
        )
    return target


def approve_first_supervisor(
    db: Session,
    username: str,
    *,
    audit_key: bytes,
    escrow_private: bytes | None = None,
    now: datetime | None = None,
) -> StaffAccount:
    """The escrow holder approves a supervisor (or custodian) while no approved one of that
    role exists; a custodian receives every identity's escrow copy re-wrapped for them.

    The caller proves the escrow holder's presence first (the private key opened with its
    passphrase and matching ``keys/escrow.pub``)."""
    target = db.scalar(select(StaffAccount).where(StaffAccount.username == username))
    if target is None or not is_awaiting_approval(target):
        raise NotAwaitingApprovalError(username)
    if approved_exists(db, target.role):
        raise ApprovedSupervisorExistsError(username)
    _approve(db, target, Actor.CLI, audit_key, now, by_escrow=True)
    if target.role == StaffRole.CUSTODIAN and escrow_private is not None:
        _share_identities(
            db, target, None, escrow_private, actor=Actor.CLI, audit_key=audit_key, now=now
        )
    return target
