"""The outboxes' overdue rows for the metrics: rows that should have been sent by now.

Not every waiting row: a new report and a reporter's reply each queue a notification row (and
a reporter-caused status change a webhook row) at once, so a plain count would rise a minute
after a reporter acted and Prometheus, which keeps every value with its time, would date the
action. A row counts only once it is overdue, at a moment fixed in advance by the day it was
queued or by its due time, never by when it was added:

- notifications: rows are stamped with their UTC day only, and a reporter's wait until that
  day is over (``sipadu.notify.service``); a row still there ``GRACE`` after its day ended
  means the digest timer is not running or the mail server refuses. A reporter's row can thus
  enter the count only at 01:00 UTC of the next day, and leave it only when the digest timer
  sends it.
- webhooks: rows already tried and refused by the channel (the count moves only when
  ``sipadu outbox run`` runs), or due more than ``GRACE`` ago and still untried (the runner is
  not running). A reporter-caused row is due at the end of its WIB day, so it can enter the
  count only at that fixed time plus ``GRACE``, or at a run of the outbox timer.

The count is a database query, which the metrics bind (gunicorn's master process, with no
database) cannot run at scrape time. So each worker counts, at most every
``INTERVAL_SECONDS``, after answering a request (the balancer's ``/readyz`` probe is enough to
keep it fresh), once the response is closed, on its own connection; the gauge shows the most
recent count of any live worker. Only the number of rows is read: nothing about a case, a
reporter or a staff member.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from flask import Flask, Response
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sipadu.channels.models import WebhookDelivery
from sipadu.db import Base, get_engine
from sipadu.metrics import Metrics, record
from sipadu.notify.models import PendingNotification

INTERVAL_SECONDS = 60.0
GRACE = timedelta(hours=1)
OUTBOXES = ("notifications", "webhooks")
log = logging.getLogger("sipadu.backlog")


def _count(db: Session, model: type[Base], where: ColumnElement[bool]) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(where)) or 0)


def count_overdue(db: Session, now: datetime | None = None) -> dict[str, int]:
    """Overdue rows in each outbox, by its fixed name."""
    moment = now or datetime.now(UTC)
    # Rows queued on a UTC day before the one that began GRACE ago: the cut-off moves once a
    # day, so a row queued today never counts before tomorrow 01:00 UTC.
    cutoff = (moment - GRACE).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "notifications": _count(db, PendingNotification, PendingNotification.created_at < cutoff),
        "webhooks": _count(
            db,
            WebhookDelivery,
            or_(WebhookDelivery.attempts > 0, WebhookDelivery.next_attempt_at <= moment - GRACE),
        ),
    }


def refresh_backlog_gauge(app: Flask) -> None:
    """Count the overdue rows and set the gauge (a database error leaves the last count)."""
    try:
        with Session(get_engine(app)) as db:
            counts = count_overdue(db)
    except SQLAlchemyError as error:
        log.warning("outbox backlog not counted: %s", type(error).__name__)
        return

    def update(found: Metrics) -> None:
        for name, rows in counts.items():
            found.outbox_overdue.labels(name).set(rows)

    record(update)


def configure_backlog_gauge(app: Flask, interval: float = INTERVAL_SECONDS) -> None:
    """Refresh the gauge after a response, at most every ``interval`` seconds per worker."""
    due = [0.0]

    @app.after_request
    def _schedule(response: Response) -> Response:
        if time.monotonic() >= due[0]:
            due[0] = time.monotonic() + interval
            response.call_on_close(lambda: refresh_backlog_gauge(app))
        return response
