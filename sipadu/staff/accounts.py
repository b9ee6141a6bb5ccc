"""Accounts an admin creates or resets, completed by their owner alone with a setup link.

The admin chooses username, role and an optional e-mail address, never a password: the
account starts without a key pair and with a one-time link (``ACCOUNT_SETUP_LIFETIME``, only
its SHA-256 stored, the mechanism of the first-run link in ``setup.py``). The owner opens
it, chooses the password, and enrols TOTP at the existing enrolment page; only then does the
key pair exist. A reset drops the key pair (its grants can never open again), ends the
sessions and issues a new link, which makes the older links useless.

A supervisor completed this way receives no case until another supervisor approves the
activation (``sipadu/staff/activation.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from sipadu.accounts.models import ROLES, SetupToken, StaffAccount
from sipadu.audit.actors import staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.identity import drop_staff_identity_grants
from sipadu.cases.models import CaseGrant
from sipadu.crypto import staff as staff_crypto
from sipadu.crypto.params import Argon2Params
from sipadu.sessions.service import end_staff_sessions
from sipadu.staff import totp
from sipadu.staff.passwords import require_strong_password
from sipadu.staff.service import (
    DuplicateUsernameError,
    UnknownRoleError,
    find_account,
    normalise_email,
    normalise_username,
)
from sipadu.staff.setup import (
    ACCOUNT_SETUP_LIFETIME,
    SetupTokenError,
    check_account_token,
    issue_account_token,
)
from sipadu.staff.totp_secrets import set_totp_secret
from sipadu.unit_of_work import no_transaction
from sipadu.web.argon2_gate import admit

SETUP_PATH = "/staff/account-setup/"


@dataclass(frozen=True)
class SetupLink:
    """A one-time setup link for the owner of ``account`` (the token is shown once)."""

    account: StaffAccount
    token: str = field(repr=False)
    expires_at: datetime

    def url(self, base_url: str) -> str:
        """The full link to hand to the owner."""
        return f"{base_url.rstrip('/')}{SETUP_PATH}{self.token}"


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _link(db: Session, account: StaffAccount, moment: datetime) -> SetupLink:
    token = issue_account_token(db, account, moment)
    return SetupLink(account, token, moment + ACCOUNT_SETUP_LIFETIME)


def create_pending_account(
    db: Session,
    username: str,
    role: str,
    *,
    audit_key: bytes,
    actor: str,
    email: str | None = None,
    now: datetime | None = None,
) -> SetupLink:
    """Create an account without password or keys, and the link that completes it."""
    name = normalise_username(username)
    if role not in ROLES:
        raise UnknownRoleError(role)
    address = normalise_email(email)
    if find_account(db, name) is not None:
        raise DuplicateUsernameError(name)
    moment = _now(now)
    account = StaffAccount(
        username=name,
        role=role,
        email=address,
        active=True,
        password_hash="",
        public_key=b"",
        wrapped_private_key=b"",
        totp_secret=None,
        totp_confirmed=False,
        failed_logins=0,
        created_at=moment,
        password_changed_at=moment,
    )
    db.add(account)
    db.flush()
    record_event(
        db,
        audit_key,
        "staff:created",
        actor=actor,
        detail={"target": account.id, "role": role, "setup": "link"},
    )
    return _link(db, account, moment)


def _drop_keys(account: StaffAccount, moment: datetime) -> None:
    account.password_hash = ""
    account.public_key = account.wrapped_private_key = b""
    account.totp_secret = account.totp_sealed = None
    account.totp_confirmed = False
    account.totp_last_step = None
    account.failed_logins = 0
    account.last_failed_login_at = None
    account.activation_approved_at = None
    account.keys_reset_at = moment


def reset_account(
    db: Session, account: StaffAccount, *, audit_key: bytes, actor: str, now: datetime | None = None
) -> tuple[int, SetupLink]:
    """Drop the key pair, TOTP and approval, end the sessions; returns the grants deleted
    and the new setup link (older links stop working).

    Grants were wrapped for the old public key and can never open again, so they are
    deleted: a supervisor (or the escrow holder) must grant the cases again.
    """
    moment = _now(now)
    _drop_keys(account, moment)
    lost = db.execute(delete(CaseGrant).where(CaseGrant.staff_id == account.id))
    lost_grants = int(lost.rowcount)  # type: ignore[attr-defined]
    # Identity keys wrapped for the old key pair open nothing any more either.
    drop_staff_identity_grants(db, account.id)
    end_staff_sessions(db, account.id)
    record_event(
        db,
        audit_key,
        "staff:reset",
        actor=actor,
        detail={"target": account.id, "grants_removed": lost_grants},
    )
    return lost_grants, _link(db, account, moment)


def account_for_setup(db: Session, token: str, now: datetime | None = None) -> StaffAccount:
    """The account this live link completes, or ``SetupTokenError``."""
    return check_account_token(db, token, now)[1]


def complete_setup(
    db: Session,
    token: str,
    password: str,
    *,
    params: Argon2Params,
    audit_key: bytes,
    now: datetime | None = None,
) -> StaffAccount:
    """Spend the link: the owner's password wraps a new key pair; TOTP enrolment follows.

    Raises ``SetupTokenError`` or ``WeakPasswordError``. The read transaction is ended before
    the Argon2 derivation (nothing was written yet) and the link checked again after it, so
    no transaction is open during the costly work.
    """
    account = account_for_setup(db, token, now)
    require_strong_password(password, account.username)
    account_id = account.id
    with no_transaction(db), admit():
        material = staff_crypto.create_staff_keys(password, params, account_id=account_id)
    row, account = check_account_token(db, token, now)
    moment = _now(now)
    spent = db.execute(
        update(SetupToken)
        .where(SetupToken.id == row.id, SetupToken.used_at.is_(None))
        .values(used_at=moment)
    )
    if account.id != account_id or spent.rowcount != 1:  # type: ignore[attr-defined]
        raise SetupTokenError("the link was used meanwhile")
    account.password_hash = material.password_hash
    account.public_key = material.public_key
    account.wrapped_private_key = material.wrapped_private_key
    set_totp_secret(account, audit_key, totp.new_totp_secret())
    account.password_changed_at = moment
    record_event(db, audit_key, "staff:setup_completed", actor=staff_actor(account.id))
    db.flush()
    return account
