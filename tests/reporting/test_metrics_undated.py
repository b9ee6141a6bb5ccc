"""A scrape of the metrics must not date a reporter's action: filing a report and replying
each queue a staff notification, and the outbox gauge must not move because of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from prometheus_client import generate_latest
from sqlalchemy import func, select

from sipadu.cases.service import case_by_code
from sipadu.cases.statuses import Status
from sipadu.db import db_session
from sipadu.metrics import metrics
from sipadu.notify.models import NotificationKind, PendingNotification
from sipadu.ops.backlog import count_overdue, refresh_backlog_gauge
from tests.reporting.conftest import Ready, case_key_of, login, post_case_form, submit


def outbox_lines(app: Flask) -> list[str]:
    refresh_backlog_gauge(app)
    scrape = generate_latest(metrics().registry).decode().splitlines()
    return [line for line in scrape if line.startswith("sipadu_outbox")]


def queued(app: Flask) -> int:
    with app.app_context():
        return int(db_session().scalar(select(func.count()).select_from(PendingNotification)) or 0)


def test_a_report_and_a_reply_do_not_move_the_scrape(ready: Ready) -> None:
    before = outbox_lines(ready.app)
    assert before, "the outbox gauge is missing from the scrape"
    client = ready.app.test_client()
    filed = submit(client)
    assert filed.status_code == 201
    key = case_key_of(filed)
    with ready.app.app_context():
        case = case_by_code(db_session(), key[:10])
        assert case is not None
        case.status = Status.PERLU_DILENGKAPI
        db_session().commit()
    assert login(client, key).status_code == 303
    replied = post_case_form(client, "/kasus/saya/pesan", {"body": "Tanggal 3 Maret."})
    assert replied.status_code == 303
    assert queued(ready.app) >= 2  # the report and the reply each wait for a digest
    assert outbox_lines(ready.app) == before


def test_a_reporter_row_counts_only_an_hour_after_its_day_ended(ready: Ready) -> None:
    """The count moves at 01:00 UTC, whatever the time of day the reporter acted."""
    day = datetime(2026, 3, 3, tzinfo=UTC)
    with ready.app.app_context():
        db = db_session()
        staff_id = ready.supervisor.account.id
        kind = NotificationKind.REPORTER_REPLY
        db.add(PendingNotification(staff_id=staff_id, kind=kind, created_at=day))
        db.commit()
        for moment, expected in (
            (day + timedelta(hours=23, minutes=59), 0),
            (day + timedelta(hours=24, minutes=59), 0),
            (day + timedelta(hours=25), 1),
        ):
            assert count_overdue(db, moment)["notifications"] == expected
