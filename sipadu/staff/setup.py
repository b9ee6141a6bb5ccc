"""First run: a one-time URL that creates the first admin in the browser.

``sipadu serve`` calls ``issue_setup_token`` while no account exists and prints the URL. Only
the token's SHA-256 is stored; it works once and expires after ``SETUP_TOKEN_LIFETIME``, and
never once any account exists (so a leaked log line is useless after setup).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sipadu.admin.models import SetupToken
from sipadu.audit.service import record_event
from sipadu.crypto.params import Argon2Params
from sipadu.staff.models import StaffAccount
from sipadu.staff.service import account_count, create_account

SETUP_TOKEN_LIFETIME = timedelta(hours=1)


class SetupTokenError(Exception):
    """The setup token is unknown, used, expired, or setup is already done."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue_setup_token(db: Session, now: datetime | None = None) -> str | None:
    """A new token when no account exists (older unused tokens are dropped), else ``None``."""
    if account_count(db) > 0:
        return None
    moment = now or datetime.now(UTC)
    db.execute(delete(SetupToken))
    token = secrets.token_urlsafe(32)
    db.add(SetupToken(token_hash=_hash(token), created_at=moment,
                      expires_at=moment + SETUP_TOKEN_LIFETIME))
    db.flush()
    return token


def check_setup_token(db: Session, token: str, now: datetime | None = None) -> SetupToken:
    """The live token row, or ``SetupTokenError``."""
    if account_count(db) > 0 or not token or len(token) > 128:
        raise SetupTokenError("setup is not available")
    wanted = _hash(token)
    for row in db.scalars(select(SetupToken)):
        if hmac.compare_digest(row.token_hash, wanted):
            if row.used_at is not None or _aware(row.expires_at) <= (now or datetime.now(UTC)):
                raise SetupTokenError("setup token used or expired")
            return row
    raise SetupTokenError("unknown setup token")


def create_first_admin(
    db: Session, token: str, username: str, password: str, *, params: Argon2Params,
    audit_key: bytes, now: datetime | None = None,
) -> StaffAccount:
    """Spend the token and create the first admin (TOTP enrolment follows at login)."""
    row = check_setup_token(db, token, now)
    account = create_account(db, username, "admin", password, params=params,
                             audit_key=audit_key, actor="system")
    row.used_at = now or datetime.now(UTC)
    record_event(db, audit_key, "setup:completed", actor="system",
                 detail={"target": account.id})
    db.flush()
    return account
