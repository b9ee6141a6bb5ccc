"""Creating the escrow key pair and granting a case to a staff member with its private half."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import Case, CaseGrant
from sipadu.cases.service import CaseAccessError, case_by_code, grant_case, is_conflicted
from sipadu.cases.statuses import CLOSED
from sipadu.crypto import grants
from sipadu.crypto.base32 import random_symbols
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.escrow import (
    generate_escrow_keypair,
    write_escrow_private,
    write_escrow_public,
)
from sipadu.keyring import ESCROW_PUBLIC_FILE
from sipadu.roles import CASE_ROLES, StaffRole


class EscrowError(Exception):
    """An escrow operation cannot proceed; the message says why."""


@dataclass(frozen=True)
class CreatedEscrow:
    """Where the two halves went."""

    public_path: Path
    private_path: Path


def generate_escrow_passphrase() -> str:
    """A random passphrase of 125 bits, in readable groups (for non-interactive setup)."""
    symbols = random_symbols(25)
    return "-".join(symbols[i : i + 5] for i in range(0, 25, 5))


def create_escrow(keys_dir: Path, private_path: Path, passphrase: str) -> CreatedEscrow:
    """Write ``keys/escrow.pub`` and the passphrase-sealed private half to ``private_path``.

    Refuses to replace an existing public key: cases already wrapped for it would become
    unrecoverable."""
    public_path = keys_dir / ESCROW_PUBLIC_FILE
    if public_path.exists():
        raise EscrowError(f"{public_path} already exists; the instance has an escrow key")
    if private_path.exists():
        raise EscrowError(f"{private_path} already exists; choose another --private-out")
    private, public = generate_escrow_keypair()
    write_escrow_private(private_path, private, passphrase)
    write_escrow_public(public_path, public)
    return CreatedEscrow(public_path, private_path)


def escrow_recipient(db: Session, username: str) -> StaffAccount:
    """The active supervisor or investigator who is to receive recovered cases."""
    staff = db.scalar(select(StaffAccount).where(StaffAccount.username == username))
    if staff is None or not staff.active:
        raise EscrowError(f"no active staff account named {username}")
    if staff.role not in CASE_ROLES:
        raise EscrowError("only supervisors and investigators can be given a case")
    if not staff.has_keys:
        raise EscrowError(f"{username} has not completed the setup link yet")
    if staff.role == StaffRole.SUPERVISOR and staff.activation_approved_at is None:
        # Four eyes: an unapproved supervisor holds no case, recovered ones included.
        raise EscrowError(
            f"{username} is not approved yet (sipadu escrow approve, or "
            "another supervisor's approval)"
        )
    return staff


def grant_with_escrow(
    db: Session,
    escrow_private: bytes,
    *,
    code: str,
    username: str,
    audit_key: bytes,
) -> CaseGrant:
    """Unwrap a case's escrow grant and wrap its DEK for an active staff member."""
    case: Case | None = case_by_code(db, code)
    if case is None:
        raise EscrowError(f"no case with code {code}")
    if case.escrow_grant is None:
        raise EscrowError(f"case {code} was filed before the escrow key existed")
    staff = escrow_recipient(db, username)
    if is_conflicted(db, case, staff.id):
        raise EscrowError(f"{username} has a conflict of interest on {code}")
    try:
        dek = grants.unwrap_grant(case.escrow_grant, escrow_private, case_id=case.code)
    except DecryptionError:
        raise EscrowError("this escrow key does not open the case (another instance?)") from None
    try:
        grant = grant_case(db, case, dek, staff, reason=GrantReason.RECOVERY, granted_by=None)
    except CaseAccessError as error:
        raise EscrowError(str(error)) from None
    record_event(
        db,
        audit_key,
        "grant:created",
        actor=Actor.CLI,
        case_code=case.code,
        detail={"staff_id": staff.id, "reason": GrantReason.RECOVERY},
    )
    return grant


def open_case_codes(db: Session) -> list[str]:
    """Codes of every case not closed or archived, in code order: the audited grants follow
    it, and filing order would rank reports within their day (docs/audit.md)."""
    return list(
        db.scalars(
            select(Case.code)
            .where(Case.status.not_in([str(s) for s in CLOSED]))
            .order_by(Case.code)
        )
    )


def grant_all_open_with_escrow(
    db: Session,
    escrow_private: bytes,
    *,
    username: str,
    audit_key: bytes,
) -> tuple[list[str], list[tuple[str, str]]]:
    """Grant every open case to one staff member (e.g. a new supervisor after every
    supervisor lost their keys). Returns the granted codes and ``(code, why)`` for those
    skipped (filed before the escrow key, conflicted); each grant is audited."""
    escrow_recipient(db, username)  # fail once, before any case, for a wrong name
    granted: list[str] = []
    skipped: list[tuple[str, str]] = []
    for code in open_case_codes(db):
        try:
            with db.begin_nested():
                grant_with_escrow(
                    db, escrow_private, code=code, username=username, audit_key=audit_key
                )
            granted.append(code)
        except EscrowError as error:
            skipped.append((code, str(error)))
    return granted, skipped
