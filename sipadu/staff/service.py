"""Staff accounts: creation, login with mandatory TOTP, password change, reset, deactivation.

Every function takes the caller's DB session and writes its audit event in that transaction;
the caller commits (also after a failed login, so the failure count and event persist).
Login messages never say whether a username exists: an unknown name costs the same Argon2
work as a known one (``dummy_login_check``) and fails with the same ``LoginFailedError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sipadu.audit.service import record_event
from sipadu.cases.models import CaseGrant
from sipadu.crypto import staff as staff_crypto
from sipadu.crypto.errors import WrongPasswordError
from sipadu.crypto.params import Argon2Params
from sipadu.sessions.service import end_staff_sessions
from sipadu.staff import throttle, totp
from sipadu.staff.models import ROLES, StaffAccount
from sipadu.staff.passwords import MAX_LENGTH, require_strong_password
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
    return f"staff:{account.id}"


def _audit(db: Session, key: bytes, tag: str, actor: str, outcome: str = "success",
           **detail: str | int | bool | None) -> None:
    record_event(db, key, tag, actor=actor, outcome=outcome, detail=detail or None)


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
    db: Session, username: str, role: str, password: str, *, params: Argon2Params,
    audit_key: bytes, actor: str = "system", email: str | None = None,
) -> StaffAccount:
    """Create an account with a wrapped key pair and a TOTP secret still to be confirmed.

    The password must be the owner's own: only the first-run page, the shell while no admin
    exists (``sipadu account create --password-stdin``) and tests call this. Such an account
    counts as approved; admins create accounts with ``accounts.create_pending_account``."""
    name = normalise_username(username)
    if role not in ROLES:
        raise UnknownRoleError(role)
    require_strong_password(password, name)
    address = normalise_email(email)
    if find_account(db, name) is not None:
        raise DuplicateUsernameError(name)
    now = _now()
    account = StaffAccount(
        username=name, role=role, email=address, active=True, password_hash="",
        public_key=b"", wrapped_private_key=b"", totp_secret=totp.new_totp_secret(),
        totp_confirmed=False, failed_logins=0, created_at=now, password_changed_at=now,
        activation_approved_at=now)
    db.add(account)
    db.flush()  # the id binds the wrapped key to this account
    with admit():
        material = staff_crypto.create_staff_keys(password, params, account_id=account.id)
    account.password_hash = material.password_hash
    account.public_key = material.public_key
    account.wrapped_private_key = material.wrapped_private_key
    _audit(db, audit_key, "staff:created", actor, target=account.id, role=role)
    db.flush()
    return account


def _register_failure(db: Session, account: StaffAccount, key: bytes, reason: str) -> None:
    account.failed_logins += 1
    account.last_failed_login_at = _now()
    _audit(db, key, "staff:login_failed", _actor(account), "failure", reason=reason)


def _check_throttle(account: StaffAccount) -> None:
    last = account.last_failed_login_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    wait = throttle.is_throttled(account.failed_logins, last, _now())
    if wait is not None:
        raise LoginThrottledError(throttle.retry_after_seconds(wait))


def check_password(db: Session, username: str, password: str, *, params: Argon2Params,
                   audit_key: bytes) -> StaffAccount:
    """Verify username and password with constant work; ``LoginFailedError`` otherwise."""
    if len(password) > MAX_LENGTH:
        # No Argon2 over megabytes of input; no password is this long, known name or not.
        raise LoginFailedError()
    account = find_account(db, username)
    if account is None or not account.active or not account.has_keys:
        with admit():
            staff_crypto.dummy_login_check(password, params)
        # Never the typed name: it may be a password typed into the wrong field.
        actor = "system" if account is None else _actor(account)
        reason = ("unknown" if account is None else "inactive" if not account.active
                  else "setup_pending")  # an account whose owner has not used the link yet
        _audit(db, audit_key, "staff:login_failed", actor, "failure", reason=reason)
        raise LoginFailedError()
    try:
        _check_throttle(account)
    except LoginThrottledError:
        # The same Argon2 work as any attempt, so neither timing nor the answer (the views
        # show a throttled login like a failed one) tells that this username exists.
        with admit():
            staff_crypto.dummy_login_check(password, params)
        _audit(db, audit_key, "staff:login_throttled", _actor(account), "denied")
        raise
    with admit():
        valid = staff_crypto.verify_password(account.password_hash, password)
    if not valid:
        _register_failure(db, account, audit_key, "password")
        raise LoginFailedError()
    return account


def _accept_totp(db: Session, account: StaffAccount, code: str, key: bytes) -> None:
    try:
        step = totp.verify_totp(account.totp_secret or "", code, account.totp_last_step)
    except totp.TotpReplayError:
        _register_failure(db, account, key, "totp_replay")
        raise LoginFailedError() from None
    except totp.TotpError:
        _register_failure(db, account, key, "totp")
        raise LoginFailedError() from None
    account.totp_last_step = step


def _unlock(db: Session, account: StaffAccount, password: str, params: Argon2Params) -> bytes:
    """Unlock the private key; upgrade the verifier and the box if Argon2 params changed."""
    with admit():
        private = staff_crypto.unlock_private_key(account.wrapped_private_key, password,
                                                  account_id=account.id)
        if staff_crypto.private_key_needs_rewrap(account.wrapped_private_key, params):
            account.wrapped_private_key = staff_crypto.wrap_private_key(
                private, password, params, account_id=account.id)
        if staff_crypto.password_needs_rehash(account.password_hash, params):
            account.password_hash = staff_crypto.hash_password(password, params)
    return private


def authenticate(
    db: Session, username: str, password: str, totp_code: str, *, params: Argon2Params,
    audit_key: bytes, channel: str = "web",
) -> LoginResult:
    """Log in with password and TOTP; raises ``LoginFailedError``, ``LoginThrottledError``
    or (right password, TOTP not yet enrolled) ``EnrolmentRequiredError``."""
    account = check_password(db, username, password, params=params, audit_key=audit_key)
    if not account.totp_confirmed:
        raise EnrolmentRequiredError(account.id)
    _accept_totp(db, account, totp_code, audit_key)
    return _finish_login(db, account, password, params, audit_key, channel)


def _finish_login(db: Session, account: StaffAccount, password: str, params: Argon2Params,
                  audit_key: bytes, channel: str) -> LoginResult:
    try:
        private = _unlock(db, account, password, params)
    except WrongPasswordError:
        # The verifier and the box disagree (data damage): refuse like any failure.
        _register_failure(db, account, audit_key, "key")
        raise LoginFailedError() from None
    account.failed_logins = 0
    account.last_failed_login_at = None
    _audit(db, audit_key, "staff:login", _actor(account), channel=channel)
    db.flush()
    return LoginResult(account, private)


def confirm_enrolment(
    db: Session, staff_id: int, password: str, totp_code: str, *, params: Argon2Params,
    audit_key: bytes,
) -> LoginResult:
    """Confirm TOTP enrolment with the password and a first code; logs the person in."""
    account = db.get(StaffAccount, staff_id)
    if account is None or not account.active or account.totp_confirmed:
        raise LoginFailedError()
    account = check_password(db, account.username, password, params=params,
                             audit_key=audit_key)
    _accept_totp(db, account, totp_code, audit_key)
    account.totp_confirmed = True
    _audit(db, audit_key, "staff:totp_enrolled", _actor(account))
    return _finish_login(db, account, password, params, audit_key, "web")


def change_password(
    db: Session, account: StaffAccount, old_password: str, new_password: str, *,
    params: Argon2Params, audit_key: bytes, keep_session_hash: str | None = None,
) -> None:
    """Re-wrap the same key pair under a new password; end the account's other sessions."""
    require_strong_password(new_password, account.username)
    current = staff_crypto.StaffKeyMaterial(account.public_key, account.wrapped_private_key,
                                            account.password_hash)
    try:
        with admit():
            material = staff_crypto.change_password(current, old_password, new_password,
                                                    params, account_id=account.id)
    except WrongPasswordError:
        _audit(db, audit_key, "staff:password_changed", _actor(account), "failure")
        raise LoginFailedError() from None
    account.wrapped_private_key = material.wrapped_private_key
    account.password_hash = material.password_hash
    account.password_changed_at = _now()
    end_staff_sessions(db, account.id, keep_id_hash=keep_session_hash)
    _audit(db, audit_key, "staff:password_changed", _actor(account))
    db.flush()


def admin_reset(
    db: Session, account: StaffAccount, new_password: str, *, params: Argon2Params,
    audit_key: bytes, actor: str,
) -> int:
    """New key pair and TOTP enrolment, sessions ended; returns the grants deleted.

    Grants were wrapped for the old public key and can never open again, so they are
    deleted: a supervisor (or escrow) must grant the cases again.
    """
    require_strong_password(new_password, account.username)
    with admit():
        material = staff_crypto.create_staff_keys(new_password, params, account_id=account.id)
    account.public_key = material.public_key
    account.wrapped_private_key = material.wrapped_private_key
    account.password_hash = material.password_hash
    account.totp_secret = totp.new_totp_secret()
    account.totp_confirmed = False
    account.totp_last_step = None
    account.failed_logins = 0
    account.last_failed_login_at = None
    account.keys_reset_at = account.password_changed_at = _now()
    lost = db.execute(delete(CaseGrant).where(CaseGrant.staff_id == account.id))
    lost_grants = int(lost.rowcount)  # type: ignore[attr-defined]
    end_staff_sessions(db, account.id)
    _audit(db, audit_key, "staff:reset", actor, target=account.id, grants_removed=lost_grants)
    db.flush()
    return lost_grants


def deactivate(db: Session, account: StaffAccount, *, audit_key: bytes, actor: str) -> None:
    """Stop an account: sessions end, logins fail, new cases are no longer wrapped for it."""
    account.active = False
    end_staff_sessions(db, account.id)
    _audit(db, audit_key, "staff:deactivated", actor, target=account.id)
    db.flush()


def set_email(db: Session, account: StaffAccount, email: str | None, *, audit_key: bytes,
              actor: str) -> None:
    """Set or clear the notification address (the address itself is never audited)."""
    account.email = normalise_email(email)
    _audit(db, audit_key, "staff:email_changed", actor, target=account.id)
    db.flush()


def list_accounts(db: Session) -> list[StaffAccount]:
    """Every account, by username."""
    return list(db.scalars(select(StaffAccount).order_by(StaffAccount.username)))

