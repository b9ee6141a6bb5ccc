"""Delivering the status webhooks queued in ``webhook_outbox`` (``sipadu outbox run``).

Each row is POSTed to its account's URL as ``{"event_id", "case_code", "status", "day"}``,
signed (``X-Sipadu-Signature: t=…,v1=…``, ``sipadu/crypto/channel.py``). A 2xx answer
deletes the row; anything else (another status, a refused connection, a timeout) keeps it
with the next attempt after an exponential backoff. Rows of one case go strictly in order:
while an earlier one waits, the later ones wait behind it. A receiver that fails is not tried
again in the same run, so one channel that is down costs a run one timeout, not one per case.
The queue lives in the database, so a restart or a crash loses nothing; a crash between a
delivery and its commit sends the same event again (at least once: the receiver drops an
``event_id`` it has seen).

No transaction is open while a receiver is contacted; the rows are read, the transaction
ended, and each outcome written in a short transaction of its own. One run at a time
(``only_runner`` in ``sipadu/notify/one_runner.py``).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.channels.intake import purge_expired_keys
from sipadu.channels.models import ServiceAccount, WebhookDelivery
from sipadu.crypto.channel import SIGNATURE_HEADER, sign_webhook, webhook_secret
from sipadu.unit_of_work import commit_now, end_transaction

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
# About three days of retries (30 s doubling, then every 6 hours) before an event is dropped.
MAX_ATTEMPTS = 20
TIMEOUT_SECONDS = 10.0
# A POST: (url, body, headers, timeout) -> the HTTP status; raises OSError when unreachable.
Poster = Callable[[str, bytes, Mapping[str, str], float], int]


@dataclass(frozen=True)
class _Due:
    id: int
    account_id: int
    case_id: int
    case_code: str
    status: str
    status_on: date
    attempts: int
    next_attempt_at: datetime
    url: str
    salt: bytes = field(repr=False)


@dataclass(frozen=True)
class OutboxReport:
    """What one run did."""

    delivered: int = 0
    retrying: int = 0
    waiting: int = 0
    abandoned: int = 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None  # a redirect is an answer other than 2xx: retried later, never followed


def post_json(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST ``body`` and return the status (urllib, no redirects followed)."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed delivery."""
    wait: timedelta = FIRST_RETRY * (2 ** max(0, attempts - 1))
    return min(wait, LONGEST_WAIT)


def payload(row_id: int, case_code: str, status: str, day: date) -> bytes:
    """The webhook's body: the case code, the coarse status and its day; nothing else."""
    document = {
        "event_id": row_id,
        "case_code": case_code,
        "status": status,
        "day": day.isoformat(),
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _queued(db: Session) -> list[_Due]:
    rows = db.execute(
        select(WebhookDelivery, ServiceAccount.webhook_url, ServiceAccount.webhook_salt)
        .join(ServiceAccount, ServiceAccount.id == WebhookDelivery.account_id)
        .where(ServiceAccount.revoked_on.is_(None))
        .order_by(WebhookDelivery.id)
    ).all()
    return [
        _Due(
            d.id,
            d.account_id,
            d.case_id,
            d.case_code,
            d.status,
            d.status_on,
            d.attempts,
            d.next_attempt_at,
            url,
            salt,
        )
        for d, url, salt in rows
        if url is not None and salt is not None
    ]


def _send(item: _Due, server_key: bytes, post: Poster, clock: Callable[[], float]) -> str | None:
    """None when the receiver took it, else a short reason (never the receiver's answer)."""
    body = payload(item.id, item.case_code, item.status, item.status_on)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "SIPADU-webhook/1",
        SIGNATURE_HEADER: sign_webhook(webhook_secret(server_key, item.salt), int(clock()), body),
    }
    try:
        status = post(item.url, body, headers, TIMEOUT_SECONDS)
    except (OSError, ValueError) as error:
        return type(error).__name__[:64]
    return None if 200 <= status < 300 else f"http {status}"


def _failed(db: Session, item: _Due, reason: str, now: datetime, audit_key: bytes) -> bool:
    """Record a failed attempt; True when the event is dropped after the last one."""
    attempts = item.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        db.execute(delete(WebhookDelivery).where(WebhookDelivery.id == item.id))
        record_event(
            db,
            audit_key,
            "webhook:abandoned",
            actor=Actor.SYSTEM,
            case_code=item.case_code,
            outcome="failure",
            detail={"attempts": attempts},
        )
        return True
    row = db.get(WebhookDelivery, item.id)
    if row is not None:
        row.attempts, row.last_error = attempts, reason
        row.next_attempt_at = now + backoff(attempts)
    return False


def run_outbox(
    db: Session,
    *,
    server_key: bytes,
    audit_key: bytes,
    post: Poster = post_json,
    now: datetime | None = None,
    clock: Callable[[], float] = time.time,
) -> OutboxReport:
    """Deliver every due webhook once, in order per case; purge expired replay boxes."""
    moment = now or datetime.now(UTC)
    purge_expired_keys(db, moment)
    queued = _queued(db)
    commit_now(db)
    end_transaction(db)  # receivers are contacted next
    counts = {"delivered": 0, "retrying": 0, "waiting": 0, "abandoned": 0}
    blocked: set[int] = set()  # cases with an earlier event still waiting
    down: set[int] = set()  # accounts whose receiver failed in this run: tried again next run
    for item in queued:
        if item.case_id in blocked or item.account_id in down or item.next_attempt_at > moment:
            blocked.add(item.case_id)
            counts["waiting"] += 1
            continue
        reason = _send(item, server_key, post, clock)
        if reason is None:
            db.execute(delete(WebhookDelivery).where(WebhookDelivery.id == item.id))
            counts["delivered"] += 1
        else:
            down.add(item.account_id)
            if _failed(db, item, reason, moment, audit_key):
                counts["abandoned"] += 1
            else:
                blocked.add(item.case_id)
                counts["retrying"] += 1
        commit_now(db)
    return OutboxReport(**counts)
