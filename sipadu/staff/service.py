"""Staff accounts: creation, login with mandatory TOTP, password change, reset, deactivation.

Every function takes the caller's DB session and writes its audit event in its transaction;
the caller commits. A function that spends Argon2 work first ends the session's transaction
(``sipadu.unit_of_work.end_transaction``) and writes only after the derivation, so no
transaction is open while Argon2 runs. Sign-in and TOTP enrolment live in ``sipadu.staff.login``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import ROLES, StaffAccount
from sipadu.audit.actors import Actor, staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.identity import drop_staff_identity_grants
from sipadu.crypto import pwbox
from sipadu.crypto import staff as staff_crypto
from sipadu.crypto.errors import WrongPasswordError
from sipadu.crypto.params import Argon2Params
from sipadu.roles import StaffRole
from sipadu.sessions.service import end_staff_sessions
from sipadu.staff import totp
from sipadu.staff.activation import ACTIVATED_ROLES
from sipadu.staff.passwords import require_strong_password
from sipadu.staff.totp_secrets import set_totp_secret
from sipadu.unit_of_work import end_transaction
from sipadu.web.argon2_gate import admit

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}", re.ASCII)
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}")


class StaffServiceError(Exception):
    """Base class of the account service's refusals."""


class InvalidUsernameError(StaffServiceError):
    """The username is not 2-64 lower-case letters, digits, dots, dashes or underscores."""


class DuplicateUsernameError(StaffServiceError):
    """Another account already has this username."""


class UnknownRoleError(StaffServiceError):
    """The role is not one of ``ROLES``."""


class InvalidEmailError(StaffServiceError):
    """The e-mail address is malformed."""


class LoginFailedError(StaffServiceError):
    """Wrong username, password or code: deliberately one error for all of them."""


class LoginThrottledError(StaffServiceError):
    """Too many recent failures on this account; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class EnrolmentRequiredError(StaffServiceError):
    """The password was right but TOTP is not enrolled yet; ``staff_id`` must enrol."""

    def __init__(self, staff_id: int) -> None:
        super().__init__("TOTP enrolment required")
        self.staff_id = staff_id


@dataclass(frozen=True)
class LoginResult:
    """A successful login: the account and its unlocked private key (for the session)."""

    account: StaffAccount
    private_key: bytes = field(repr=False)


def _now() -> datetime:
    return datetime.now(UTC)


def _actor(account: StaffAccount) -> str:
    return staff_actor(account.id)


def audit_staff(
    db: Session,
    key: bytes,
    tag: str,
    actor: str,
    outcome: str = "success",
    **detail: str | int | bool | None,
) -> None:
    """Record an account event (``detail`` never holds a password, code or typed name)."""
    record_event(db, key, tag, actor=actor, outcome=outcome, detail=detail or None)


_audit = audit_staff


def normalise_username(username: str) -> str:
    """The stored form of a username (trimmed, lower-case) or ``InvalidUsernameError``."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise InvalidUsernameError(name)
    return name


def normalise_email(email: str | None) -> str | None:
    """A trimmed e-mail address, ``None`` for empty, or ``InvalidEmailError``."""
    value = (email or "").strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL.fullmatch(value):
        raise InvalidEmailError(value)
    return value


def account_count(db: Session) -> int:
    """How many accounts exist (first run when zero)."""
    return db.scalar(select(func.count()).select_from(StaffAccount)) or 0


def find_account(db: Session, username: str) -> StaffAccount | None:
    """The account with this username (case-insensitive), active or not."""
    try:
        name = normalise_username(username)
    except InvalidUsernameError:
        return None
    return db.scalar(select(StaffAccount).where(StaffAccount.username == name))


def create_account(
    db: Session,
    username: str,
    role: str,
    password: str,
    *,
    params: Argon2Params,
    audit_key: bytes,
    actor: str = Actor.SYSTEM,
    email: str | None = None,
) -> StaffAccount:
    """Create an account with a wrapped key pair and a TOTP secret still to be confirmed.

    The password must be the owner's own: only the first-run page, the shell while no admin
    exists (``sipadu account create --password-stdin``) and tests call this. Such an account
    counts as approved; admins create accounts with ``accounts.create_pending_account``.
    Commits what the session holds before the Argon2 work; the caller commits the account."""
    name = normalise_username(username)
    if role not in ROLES:
        raise UnknownRoleError(role)
    require_strong_password(password, name)
    address = normalise_email(email)
    if find_account(db, name) is not None:
        raise DuplicateUsernameError(name)
    end_transaction(db)
    with admit():
        prepared = staff_crypto.prepare_staff_keys(password, params)
    return add_prepared_account(
        db, name, role, prepared, audit_key=audit_key, actor=actor, email=address
    )


def add_prepared_account(
    db: Session,
    name: str,
    role: str,
    prepared: staff_crypto.PreparedStaffKeys,
    *,
    audit_key: bytes,
    actor: str,
    email: str | None,
) -> StaffAccount:
    """Insert an account whose Argon2 work is done (``prepared``); no derivation here."""
    if find_account(db, name) is not None:  # taken while the keys were derived
        raise DuplicateUsernameError(name)
    now = _now()
    account = StaffAccount(
        username=name,
        role=role,
        email=email,
        active=True,
        password_hash="",
        public_key=b"",
        wrapped_private_key=b"",
        totp_secret=None,
        totp_confirmed=False,
        failed_logins=0,
        created_at=now,
        password_changed_at=now,
        # A supervisor or custodian reads cases or identities only once another one (for
        # the first: the escrow key holder) approved them, however the account was made;
        # created on the shell at first run it had been approved at once.
        activation_approved_at=None if role in ACTIVATED_ROLES else now,
    )
    db.add(account)
    db.flush()  # the id binds the wrapped key to this account
    material = staff_crypto.seal_staff_keys(prepared, account_id=account.id)
    account.password_hash = material.password_hash
    account.public_key = material.public_key
    account.wrapped_private_key = material.wrapped_private_key
    set_totp_secret(account, audit_key, totp.new_totp_secret())
    _audit(db, audit_key, "staff:created", actor, target=account.id, role=role)
    db.flush()
    return account


def change_password(
    db: Session,
    account: StaffAccount,
    old_password: str,
    new_password: str,
    *,
    params: Argon2Params,
    audit_key: bytes,
    keep_session_hash: str | None = None,
) -> None:
    """Re-wrap the same key pair under a new password; end the account's other sessions.

    Commits what the session holds before the Argon2 work; the caller commits the change."""
    require_strong_password(new_password, account.username)
    staff_id, box = account.id, account.wrapped_private_key
    end_transaction(db)
    rewrapped = _rewrap_for_new_password(box, old_password, new_password, params, staff_id)
    current = db.get(StaffAccount, staff_id, with_for_update=True, populate_existing=True)
    # A box changed during the derivation (another password change, a reset) wins.
    if rewrapped is None or current is None or current.wrapped_private_key != box:
        _audit(db, audit_key, "staff:password_changed", staff_actor(staff_id), "failure")
        raise LoginFailedError()
    current.wrapped_private_key, current.password_hash = rewrapped
    current.password_changed_at = _now()
    end_staff_sessions(db, staff_id, keep_id_hash=keep_session_hash)
    _audit(db, audit_key, "staff:password_changed", _actor(current))
    db.flush()


def _rewrap_for_new_password(
    box: bytes, old_password: str, new_password: str, params: Argon2Params, staff_id: int
) -> tuple[bytes, str] | None:
    """The key box and verifier for ``new_password``, or ``None`` if ``old_password`` does not
    open ``box``. Three derivations; call it with no transaction open."""
    with admit():
        try:
            private = staff_crypto.unlock_private_key(box, old_password, account_id=staff_id)
        except WrongPasswordError:
            return None
        kek = pwbox.prepare_kek(new_password, params)
        verifier = staff_crypto.hash_password(new_password, params)
    return staff_crypto.seal_private_key(private, kek, account_id=staff_id), verifier


def deactivate(db: Session, account: StaffAccount, *, audit_key: bytes, actor: str) -> None:
    """Stop an account: sessions end, logins fail, new cases are no longer wrapped for it.

    The identity keys it holds are deleted: a custodian coming back must be approved again
    before holding any identity, and the approver shares them then."""
    account.active = False
    end_staff_sessions(db, account.id)
    drop_staff_identity_grants(db, account.id)
    _audit(db, audit_key, "staff:deactivated", actor, target=account.id)
    db.flush()


def reactivate(db: Session, account: StaffAccount, *, audit_key: bytes, actor: str) -> None:
    """Let a deactivated account sign in again. A supervisor is read every new report, and a
    custodian holds every sealed identity, so one coming back waits for another approved
    colleague of the role again (four eyes), as a new one does; the escrow holder approves
    when no other one is approved."""
    if account.active:
        return
    account.active = True
    if account.role in (StaffRole.SUPERVISOR, StaffRole.CUSTODIAN):
        account.activation_approved_at = None
    _audit(db, audit_key, "staff:reactivated", actor, target=account.id)
    db.flush()


def set_email(
    db: Session, account: StaffAccount, email: str | None, *, audit_key: bytes, actor: str
) -> None:
    """Set or clear the notification address (the address itself is never audited)."""
    account.email = normalise_email(email)
    _audit(db, audit_key, "staff:email_changed", actor, target=account.id)
    db.flush()


def list_accounts(db: Session) -> list[StaffAccount]:
    """Every account, by username."""
    return list(db.scalars(select(StaffAccount).order_by(StaffAccount.username)))
