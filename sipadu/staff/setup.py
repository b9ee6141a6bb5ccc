"""One-time setup links: the first-run link and each account's own setup link.

``sipadu serve`` calls ``first_run_link`` while no account exists and prints the URL. Only
the token's SHA-256 is stored; it works once and expires after ``SETUP_TOKEN_LIFETIME``, and
never once any account exists (so a leaked log line is useless after setup). Several servers
share one database: a server that starts while a first-run link is still unused and valid
leaves it alone (it only says until when it is valid), so a link one server printed never
dies because another one started.

An account created (or reset) by an admin gets the same kind of token, tied to the account
(``staff_id``) and valid ``ACCOUNT_SETUP_LIFETIME``: ``issue_account_token`` and
``check_account_token``. Issuing a new one drops the account's older links.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import SetupToken, StaffAccount
from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.coltypes import as_utc
from sipadu.crypto.params import Argon2Params
from sipadu.crypto.staff import prepare_staff_keys
from sipadu.roles import StaffRole
from sipadu.staff.passwords import require_strong_password
from sipadu.staff.service import (
    account_count,
    add_prepared_account,
    normalise_username,
)
from sipadu.unit_of_work import end_transaction
from sipadu.web.argon2_gate import admit

SETUP_TOKEN_LIFETIME = timedelta(hours=1)
ACCOUNT_SETUP_LIFETIME = timedelta(hours=72)


class SetupTokenError(Exception):
    """The setup token is unknown, used, expired, or setup is already done."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_setup_token(db: Session, now: datetime | None = None) -> str | None:
    """A new token when no account exists (older unused tokens are dropped), else ``None``."""
    if account_count(db) > 0:
        return None
    db.execute(delete(SetupToken).where(SetupToken.staff_id.is_(None)))
    return _new_token(db, None, SETUP_TOKEN_LIFETIME, now)


@dataclass(frozen=True)
class FirstRunLink:
    """What a starting server announces: its new ``token``, or, when a live first-run link
    was already issued (by this or another server), ``None`` and that link's expiry."""

    token: str | None
    expires_at: datetime


def first_run_link(db: Session, now: datetime | None = None) -> FirstRunLink | None:
    """The first-run link a starting server announces, or ``None`` once an account exists.

    A live unused token is kept (the caller cannot print it, only its hash is stored): a
    second server starting must not kill the link the first one printed. Expired and used
    first-run tokens are dropped; a new token is issued only when none is live."""
    if account_count(db) > 0:
        return None
    moment = now or datetime.now(UTC)
    first_run = SetupToken.staff_id.is_(None)
    live = SetupToken.used_at.is_(None) & (SetupToken.expires_at > moment)
    db.execute(delete(SetupToken).where(first_run & ~live))
    expiry = db.scalar(select(func.max(SetupToken.expires_at)).where(first_run & live))
    if expiry is not None:
        return FirstRunLink(None, as_utc(expiry))
    return FirstRunLink(
        _new_token(db, None, SETUP_TOKEN_LIFETIME, moment), moment + SETUP_TOKEN_LIFETIME
    )


def _new_token(db: Session, staff_id: int | None, lifetime: timedelta, now: datetime | None) -> str:
    moment = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    db.add(
        SetupToken(
            token_hash=_hash(token),
            created_at=moment,
            staff_id=staff_id,
            expires_at=moment + lifetime,
        )
    )
    db.flush()
    return token


def _live_token(
    db: Session, token: str, *, first_run: bool, now: datetime | None, lock: bool = False
) -> SetupToken:
    if not token or len(token) > 128:
        raise SetupTokenError("unknown setup token")
    wanted = _hash(token)
    kind = SetupToken.staff_id.is_(None) if first_run else SetupToken.staff_id.is_not(None)
    query = select(SetupToken).where(kind)
    if lock:
        query = query.with_for_update()
    for row in db.scalars(query.execution_options(populate_existing=True)):
        if hmac.compare_digest(row.token_hash, wanted):
            if row.used_at is not None or row.expires_at <= (now or datetime.now(UTC)):
                raise SetupTokenError("setup token used or expired")
            return row
    raise SetupTokenError("unknown setup token")


def check_setup_token(
    db: Session, token: str, now: datetime | None = None, *, lock: bool = False
) -> SetupToken:
    """The live first-run token row, or ``SetupTokenError``; ``lock`` holds it until the
    commit."""
    if account_count(db) > 0:
        raise SetupTokenError("setup is not available")
    return _live_token(db, token, first_run=True, now=now, lock=lock)


def issue_account_token(db: Session, account: StaffAccount, now: datetime | None = None) -> str:
    """A new setup link token for ``account``; its older links stop working."""
    db.execute(delete(SetupToken).where(SetupToken.staff_id == account.id))
    return _new_token(db, account.id, ACCOUNT_SETUP_LIFETIME, now)


def check_account_token(
    db: Session, token: str, now: datetime | None = None
) -> tuple[SetupToken, StaffAccount]:
    """The live account token row and its account (active, keys not yet chosen), or
    ``SetupTokenError``."""
    row = _live_token(db, token, first_run=False, now=now)
    account = db.get(StaffAccount, row.staff_id)
    if account is None or not account.active or account.has_keys:
        raise SetupTokenError("the account cannot be set up with this link")
    return row, account


def create_first_admin(
    db: Session,
    token: str,
    username: str,
    password: str,
    *,
    params: Argon2Params,
    audit_key: bytes,
    now: datetime | None = None,
) -> StaffAccount:
    """Spend the token and create the first admin (TOTP enrolment follows at login).

    The keys are derived with no transaction open; the token is checked again, locked,
    before the account is written, so two setups at once make one admin."""
    check_setup_token(db, token, now)
    name = normalise_username(username)
    require_strong_password(password, name)
    end_transaction(db)
    with admit():
        prepared = prepare_staff_keys(password, params)
    row = check_setup_token(db, token, now, lock=True)
    account = add_prepared_account(
        db, name, StaffRole.ADMIN, prepared, audit_key=audit_key, actor=Actor.SYSTEM, email=None
    )
    row.used_at = now or datetime.now(UTC)
    record_event(
        db, audit_key, "setup:completed", actor=Actor.SYSTEM, detail={"target": account.id}
    )
    db.flush()
    return account
