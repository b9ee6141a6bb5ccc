"""Housekeeping that keeps no reporter-linked row longer than it must live.

Expired sessions are deleted (a reporter session names its case), stale case-key throttle rows
forgotten, and finished days of the audit queue sealed into the chain. Timers run it
(``sipadu sessions purge``, ``sipadu audit seal-day``); each worker also runs it at most every
``INTERVAL`` after answering a request, so a missing or late timer does not leave the rows.
It runs once the response is closed, on its own connection: no request waits for it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, Response
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sipadu.app_context import current_audit_key
from sipadu.audit.day_queue import AuditQueueError, has_due_days, seal_days, today_utc
from sipadu.cases.models import CaseKeyThrottle
from sipadu.db import get_engine
from sipadu.sessions.service import purge_expired_sessions
from sipadu.unit_of_work import commit_now, discard_now, end_transaction

INTERVAL_SECONDS = 600.0
# A case-key throttle row names a case code and the time of its last failed guess (perhaps
# the reporter's own typo). Past the longest delay it only keeps the failure count growing,
# so it is kept a day, then forgotten.
THROTTLE_KEPT = timedelta(days=1)
log = logging.getLogger("sipadu.housekeeping")


@dataclass(frozen=True)
class Tidied:
    """What one housekeeping run removed or sealed."""

    sessions: int
    throttles: int
    sealed_events: int


def purge_stale_throttles(db: Session, now: datetime | None = None) -> int:
    """Delete throttle rows whose last failure is older than ``THROTTLE_KEPT``."""
    cutoff = (now or datetime.now(UTC)) - THROTTLE_KEPT
    result = db.execute(delete(CaseKeyThrottle).where(CaseKeyThrottle.last_failure_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge_reporter_traces(db: Session, now: datetime | None = None) -> tuple[int, int]:
    """Delete expired sessions and stale throttle rows, and commit: ``(sessions, throttles)``."""
    sessions = purge_expired_sessions(db, now)
    throttles = purge_stale_throttles(db, now)
    commit_now(db)  # one unit: kept even if sealing the audit queue then fails
    return sessions, throttles


def housekeep(db: Session, audit_key: bytes, now: datetime | None = None) -> Tidied:
    """Purge, then seal the audit queue's finished days (a tampered queue is left for
    ``sipadu audit verify`` to report; nothing is sealed from it)."""
    sessions, throttles = purge_reporter_traces(db, now)
    sealed = 0
    if has_due_days(db, today_utc(now)):
        try:
            sealed = seal_days(db, audit_key, today_utc(now)).events
            commit_now(db)
        except AuditQueueError:
            discard_now(db)
            log.warning(
                "the audit queue failed its check; nothing sealed: run `sipadu audit verify`"
            )
    else:
        end_transaction(db)  # a read only
    return Tidied(sessions, throttles, sealed)


def _run(app: Flask) -> None:
    try:
        with Session(get_engine(app)) as db:
            housekeep(db, current_audit_key(app))
    except SQLAlchemyError as error:  # the next run tries again; the request is long done
        log.warning("housekeeping skipped: %s", type(error).__name__)


def configure_housekeeping(app: Flask, interval: float = INTERVAL_SECONDS) -> None:
    """Run :func:`housekeep` after a successful response, at most every ``interval``
    seconds per worker (the first time after the worker's first such response)."""
    due = [0.0]

    @app.after_request
    def _schedule(response: Response) -> Response:
        if response.status_code < 500 and time.monotonic() >= due[0]:
            due[0] = time.monotonic() + interval
            response.call_on_close(lambda: _run(app))
        return response
