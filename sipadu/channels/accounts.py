"""Service accounts: created, listed and revoked by an administrator at the command line,
recognised by their bearer token, given a webhook URL. Every change is audited (names and
ids only, never a token or a secret)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.channels.models import ServiceAccount, WebhookDelivery
from sipadu.crypto.channel import (
    new_token,
    new_webhook_salt,
    parse_token,
    token_verifier,
    verifier_matches,
    webhook_secret,
)
from sipadu.days import wib_today

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_URL_CHARS = 2048


class ServiceAccountError(ValueError):
    """A service-account command was refused; the message says why (no secret in it)."""


class ServiceTokenError(LookupError):
    """The bearer token is malformed, unknown, wrong or revoked; ``account_id`` names the
    account when the token's key id is one (a revoked token, or a wrong secret)."""

    def __init__(self, reason: str, account_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.account_id = account_id


@dataclass(frozen=True)
class CallingAccount:
    """The service account a request's token names, with the token's secret for derivations."""

    id: int
    name: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class AccountRow:
    """What ``service-account list`` shows."""

    name: str
    created_on: date
    revoked_on: date | None
    webhook_url: str | None


def create_account(db: Session, name: str, audit_key: bytes) -> tuple[ServiceAccount, str]:
    """A new account and its token (shown once; only a hash of it is kept)."""
    if not NAME_RE.match(name):
        raise ServiceAccountError(
            "The name must be 1-64 characters: lower-case letters, digits, '.', '_' or '-'."
        )
    if db.scalar(select(ServiceAccount.id).where(ServiceAccount.name == name)) is not None:
        raise ServiceAccountError(f"A service account named {name!r} already exists.")
    token, key_id, secret = new_token()
    account = ServiceAccount(
        name=name,
        key_id=key_id,
        token_verifier=token_verifier(secret),
        created_on=wib_today(),
    )
    db.add(account)
    db.flush()
    record_event(
        db, audit_key, "service_account:created", actor=Actor.CLI, detail={"account": account.id}
    )
    return account, token


def list_accounts(db: Session) -> list[AccountRow]:
    """Every account, oldest first."""
    rows = db.scalars(select(ServiceAccount).order_by(ServiceAccount.id))
    return [
        AccountRow(
            a.name,
            a.created_on,
            a.revoked_on,
            a.webhook_url,
        )
        for a in rows
    ]


def _named(db: Session, name: str) -> ServiceAccount:
    account = db.scalar(select(ServiceAccount).where(ServiceAccount.name == name))
    if account is None:
        raise ServiceAccountError(f"No service account is named {name!r}.")
    return account


def revoke_account(db: Session, name: str, audit_key: bytes) -> None:
    """Refuse the account's token from now on and drop its undelivered webhooks."""
    account = _named(db, name)
    if account.revoked_on is not None:
        raise ServiceAccountError(f"The service account {name!r} is already revoked.")
    account.revoked_on = wib_today()
    db.query(WebhookDelivery).filter(WebhookDelivery.account_id == account.id).delete()
    record_event(
        db, audit_key, "service_account:revoked", actor=Actor.CLI, detail={"account": account.id}
    )


def check_webhook_url(url: str) -> str:
    """An https URL, or http to this machine only (a receiver beside SIPADU, or tests)."""
    parts = urlsplit(url)
    if len(url) > MAX_URL_CHARS or not parts.hostname or parts.username or parts.password:
        raise ServiceAccountError("The webhook URL must be an absolute URL without credentials.")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return url
    raise ServiceAccountError("The webhook URL must use https (http only to 127.0.0.1).")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def set_webhook(db: Session, name: str, url: str, *, server_key: bytes, audit_key: bytes) -> bytes:
    """Register (or replace) the account's webhook URL; returns the new signing secret,
    shown once: a new registration always changes it."""
    account = _named(db, name)
    if account.revoked_on is not None:
        raise ServiceAccountError(f"The service account {name!r} is revoked.")
    account.webhook_url = check_webhook_url(url)
    account.webhook_salt = new_webhook_salt()
    record_event(
        db,
        audit_key,
        "service_account:webhook_set",
        actor=Actor.CLI,
        detail={"account": account.id},
    )
    return webhook_secret(server_key, account.webhook_salt)


def authenticate(db: Session, token: str) -> CallingAccount:
    """The live account ``token`` names; ``ServiceTokenError`` for anything else."""
    parsed = parse_token(token)
    if parsed is None:
        raise ServiceTokenError("malformed")
    key_id, secret = parsed
    account = db.scalar(select(ServiceAccount).where(ServiceAccount.key_id == key_id))
    if account is None:
        raise ServiceTokenError("unknown")
    if not verifier_matches(secret, account.token_verifier):
        raise ServiceTokenError("wrong_secret", account.id)
    if account.revoked_on is not None:
        raise ServiceTokenError("revoked", account.id)
    return CallingAccount(account.id, account.name, secret)
