"""Staff sign-in (password + TOTP) and TOTP enrolment, with the Argon2 work outside any
database transaction.

Each sign-in reads the account, ends that read transaction, spends its Argon2 work, then
writes its outcome (failure count, TOTP step, audit event) in a short transaction the caller
commits. On SQLite every transaction holds the write lock from its first statement (``BEGIN
IMMEDIATE``), so a derivation inside one would stall every other request of the instance.

Every failing attempt costs exactly two derivations, whatever failed — unknown username,
deactivated or throttled account, wrong password, wrong code, TOTP not yet enrolled — so
timing does not tell which usernames exist or which part was wrong. A success costs the same
two (verifier, then the private key box) plus a re-wrap when the Argon2 settings were raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn

from sqlalchemy.orm import Session

from sipadu import throttle
from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import Actor, staff_actor
from sipadu.crypto import staff as staff_crypto
from sipadu.crypto.errors import WrongPasswordError
from sipadu.crypto.params import Argon2Params
from sipadu.sessions.models import Channel
from sipadu.staff import totp
from sipadu.staff.passwords import MAX_LENGTH
from sipadu.staff.service import (
    EnrolmentRequiredError,
    LoginFailedError,
    LoginResult,
    LoginThrottledError,
    audit_staff,
    find_account,
)
from sipadu.staff.totp_secrets import (
    TotpSecretUnreadableError,
    seal_if_plaintext,
    totp_secret_of,
)
from sipadu.unit_of_work import end_transaction
from sipadu.web.argon2_gate import admit


@dataclass(frozen=True)
class _Snapshot:
    """What a sign-in needs of the account row, read before the transaction ends."""

    id: int
    active: bool
    totp_confirmed: bool
    # None: no secret, or a sealed one that does not open (refused like a wrong code).
    totp_secret: str | None = field(repr=False)
    totp_last_step: int | None
    failed_logins: int
    last_failed_login_at: datetime | None
    password_hash: str = field(repr=False)
    wrapped_private_key: bytes = field(repr=False)

    @classmethod
    def of(cls, account: StaffAccount, server_key: bytes) -> _Snapshot:
        return cls(
            account.id,
            account.active,
            account.totp_confirmed,
            _readable_secret(account, server_key),
            account.totp_last_step,
            account.failed_logins,
            account.last_failed_login_at,
            account.password_hash,
            account.wrapped_private_key,
        )


def _readable_secret(account: StaffAccount, server_key: bytes) -> str | None:
    try:
        return totp_secret_of(account, server_key)
    except TotpSecretUnreadableError:
        return None


@dataclass(frozen=True)
class _Attempt:
    """One sign-in attempt's input."""

    password: str = field(repr=False)
    code: str = field(repr=False)
    params: Argon2Params
    audit_key: bytes = field(repr=False)
    channel: str
    enrolling: bool


def _now() -> datetime:
    return datetime.now(UTC)


def authenticate(
    db: Session,
    username: str,
    password: str,
    totp_code: str,
    *,
    params: Argon2Params,
    audit_key: bytes,
    channel: str = Channel.WEB,
) -> LoginResult:
    """Log in with password and TOTP; raises ``LoginFailedError``, ``LoginThrottledError``
    or (right password, TOTP not yet enrolled) ``EnrolmentRequiredError``.

    Commits what the session holds before the Argon2 work; the caller commits the outcome
    (also after a failure, so the failure count and its audit event persist)."""
    if len(password) > MAX_LENGTH:
        # No Argon2 over megabytes of input; no password is this long, known name or not.
        raise LoginFailedError()
    account = find_account(db, username)
    snapshot = _Snapshot.of(account, audit_key) if account is not None else None
    end_transaction(db)
    return _sign_in(db, snapshot, _Attempt(password, totp_code, params, audit_key, channel, False))


def confirm_enrolment(
    db: Session,
    staff_id: int,
    password: str,
    totp_code: str,
    *,
    params: Argon2Params,
    audit_key: bytes,
) -> LoginResult:
    """Confirm TOTP enrolment with the password and a first code; logs the person in."""
    account = db.get(StaffAccount, staff_id)
    if account is None or not account.active or account.totp_confirmed:
        raise LoginFailedError()
    snapshot = _Snapshot.of(account, audit_key)
    end_transaction(db)
    return _sign_in(
        db, snapshot, _Attempt(password, totp_code, params, audit_key, Channel.WEB, True)
    )


def _sign_in(db: Session, snapshot: _Snapshot | None, attempt: _Attempt) -> LoginResult:
    refusal = _refusal(snapshot)
    private, reason = _password_work(None if refusal else snapshot, attempt)
    if refusal is not None or snapshot is None:
        _refuse(db, snapshot, refusal or "unknown", attempt.audit_key)
    if private is None:
        _register_failure(db, snapshot.id, attempt.audit_key, reason)
        raise LoginFailedError()
    if not attempt.enrolling and not snapshot.totp_confirmed:
        raise EnrolmentRequiredError(snapshot.id)
    if snapshot.totp_secret is None:
        _register_failure(db, snapshot.id, attempt.audit_key, "totp_unreadable")
        raise LoginFailedError()
    try:
        totp.verify_totp(snapshot.totp_secret, attempt.code, snapshot.totp_last_step)
    except totp.TotpError as error:
        replay = isinstance(error, totp.TotpReplayError)
        _register_failure(db, snapshot.id, attempt.audit_key, "totp_replay" if replay else "totp")
        raise LoginFailedError() from None
    upgrades = _upgrades(snapshot, private, attempt)
    return _record_login(db, snapshot, private, upgrades, attempt)


def _refusal(snapshot: _Snapshot | None) -> str | None:
    """Why the attempt fails before its password is even checked, or ``None``."""
    if snapshot is None:
        return "unknown"
    if not snapshot.active:
        return "inactive"
    if not snapshot.password_hash:
        return "setup_pending"  # the owner has not used the setup link yet
    last = snapshot.last_failed_login_at
    if throttle.is_throttled(snapshot.failed_logins, last, _now()) is not None:
        return "throttled"
    return None


def _password_work(snapshot: _Snapshot | None, attempt: _Attempt) -> tuple[bytes | None, str]:
    """Exactly two derivations: the verifier, then the private key box (or stand-ins).

    Returns the private key, or ``None`` and why not (``password`` or ``key``)."""
    with admit():
        if snapshot is None:
            staff_crypto.dummy_login_check(attempt.password, attempt.params)
            return None, "unknown"
        if not staff_crypto.verify_password(snapshot.password_hash, attempt.password):
            staff_crypto.dummy_derivation(attempt.password, attempt.params)
            return None, "password"
        try:
            return staff_crypto.unlock_private_key(
                snapshot.wrapped_private_key, attempt.password, account_id=snapshot.id
            ), ""
        except WrongPasswordError:
            # The verifier and the box disagree (data damage): refuse like any failure.
            return None, "key"


def _refuse(db: Session, snapshot: _Snapshot | None, why: str, key: bytes) -> NoReturn:
    if snapshot is None:
        # Never the typed name: it may be a password typed into the wrong field.
        audit_staff(db, key, "staff:login_failed", Actor.SYSTEM, "failure", reason="unknown")
        raise LoginFailedError()
    if why == "throttled":
        # The views answer a throttled login like a failed one, and it cost the same work:
        # neither tells that this username exists.
        audit_staff(db, key, "staff:login_throttled", staff_actor(snapshot.id), "denied")
        wait = throttle.is_throttled(snapshot.failed_logins, snapshot.last_failed_login_at, _now())
        raise LoginThrottledError(throttle.retry_after_seconds(wait) if wait else 1)
    audit_staff(db, key, "staff:login_failed", staff_actor(snapshot.id), "failure", reason=why)
    raise LoginFailedError()


def _locked_account(db: Session, staff_id: int) -> StaffAccount | None:
    # Fresh values, locked on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises):
    # simultaneous attempts each count, and a TOTP step is accepted once.
    return db.get(StaffAccount, staff_id, with_for_update=True, populate_existing=True)


def _register_failure(db: Session, staff_id: int, key: bytes, reason: str) -> None:
    account = _locked_account(db, staff_id)
    if account is not None:
        account.failed_logins += 1
        account.last_failed_login_at = _now()
    audit_staff(db, key, "staff:login_failed", staff_actor(staff_id), "failure", reason=reason)
    db.flush()


def _upgrades(snapshot: _Snapshot, private: bytes, attempt: _Attempt) -> dict[str, object]:
    """A new verifier and key box when the Argon2 settings were raised (outside the
    transaction like every derivation); applied only if the row did not change meanwhile."""
    changes: dict[str, object] = {}
    with admit():
        if staff_crypto.private_key_needs_rewrap(snapshot.wrapped_private_key, attempt.params):
            changes["wrapped_private_key"] = staff_crypto.wrap_private_key(
                private, attempt.password, attempt.params, account_id=snapshot.id
            )
        if staff_crypto.password_needs_rehash(snapshot.password_hash, attempt.params):
            changes["password_hash"] = staff_crypto.hash_password(attempt.password, attempt.params)
    return changes


def _step_still_fresh(db: Session, account: StaffAccount, attempt: _Attempt) -> int:
    """The code's step checked again on the locked row: another sign-in may have used it
    (or the secret changed) while the derivation ran."""
    secret = _readable_secret(account, attempt.audit_key)
    if secret is None:
        _register_failure(db, account.id, attempt.audit_key, "totp_unreadable")
        raise LoginFailedError()
    try:
        return totp.verify_totp(secret, attempt.code, account.totp_last_step)
    except totp.TotpError:
        _register_failure(db, account.id, attempt.audit_key, "totp_replay")
        raise LoginFailedError() from None


def _record_login(
    db: Session, snapshot: _Snapshot, private: bytes, upgrades: dict[str, object], attempt: _Attempt
) -> LoginResult:
    account = _locked_account(db, snapshot.id)
    if (
        account is None
        or not account.active
        or account.password_hash != snapshot.password_hash
        or account.wrapped_private_key != snapshot.wrapped_private_key
        or account.totp_confirmed != snapshot.totp_confirmed
    ):
        # Reset, deactivated or password changed during the derivation: this password
        # opened yesterday's keys, not today's.
        raise LoginFailedError()
    account.totp_last_step = _step_still_fresh(db, account, attempt)
    for name, value in upgrades.items():
        setattr(account, name, value)
    seal_if_plaintext(account, attempt.audit_key)  # an account enrolled before sealing
    if attempt.enrolling:
        account.totp_confirmed = True
        audit_staff(db, attempt.audit_key, "staff:totp_enrolled", staff_actor(account.id))
    account.failed_logins = 0
    account.last_failed_login_at = None
    audit_staff(
        db, attempt.audit_key, "staff:login", staff_actor(account.id), channel=attempt.channel
    )
    db.flush()
    return LoginResult(account, private)
