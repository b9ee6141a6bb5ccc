"""The webhook outbox in the metrics counts only overdue rows: a delivery a reporter's action
queued (due at the end of its WIB day) does not show until then, so a scrape cannot date the
action; one a channel refused, or one left unsent well past its due time, does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from sipadu.cases.models import Case
from sipadu.channels.models import CoarseStatus, ServiceAccount, WebhookDelivery
from sipadu.db import db_session
from sipadu.ops.backlog import GRACE, count_overdue
from tests.channels.conftest import Channels, file_report

NOW = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


def test_only_refused_or_long_overdue_deliveries_count(channels: Channels) -> None:
    assert file_report(channels.app.test_client(), channels.jaki).status_code == 201
    rows = {
        "queued by a reporter, due at midnight": (0, NOW + timedelta(hours=8)),
        "due a moment ago": (0, NOW - GRACE + timedelta(minutes=1)),
        "refused once, retried later": (1, NOW + timedelta(minutes=5)),
        "unsent well past its due time": (0, NOW - GRACE - timedelta(minutes=1)),
    }
    with channels.app.app_context():
        db = db_session()
        case = db.scalars(select(Case)).one()
        account = db.scalars(select(ServiceAccount).where(ServiceAccount.name == "jaki")).one()
        for attempts, due in rows.values():
            db.add(
                WebhookDelivery(
                    account_id=account.id,
                    case_id=case.id,
                    case_code=case.code,
                    status=next(iter(CoarseStatus)),
                    status_on=NOW.date(),
                    attempts=attempts,
                    next_attempt_at=due,
                )
            )
        db.commit()
        assert count_overdue(db, NOW)["webhooks"] == 2
