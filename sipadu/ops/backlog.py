"""The outboxes' backlog for the metrics: how many rows wait to be sent.

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

from flask import Flask, Response
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sipadu.channels.models import WebhookDelivery
from sipadu.db import get_engine
from sipadu.metrics import Metrics, record
from sipadu.notify.models import PendingNotification

INTERVAL_SECONDS = 60.0
OUTBOXES = {"notifications": PendingNotification, "webhooks": WebhookDelivery}
log = logging.getLogger("sipadu.backlog")


def count_backlog(db: Session) -> dict[str, int]:
    """Rows waiting in each outbox, by its fixed name."""
    return {
        name: int(db.scalar(select(func.count()).select_from(model)) or 0)
        for name, model in OUTBOXES.items()
    }


def refresh_backlog_gauge(app: Flask) -> None:
    """Count the outboxes and set the gauge (a database error leaves the last count)."""
    try:
        with Session(get_engine(app)) as db:
            counts = count_backlog(db)
    except SQLAlchemyError as error:
        log.warning("outbox backlog not counted: %s", type(error).__name__)
        return

    def update(found: Metrics) -> None:
        for name, rows in counts.items():
            found.outbox_backlog.labels(name).set(rows)

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
