"""Neither the auditor console nor `sipadu audit verify` tells when a reporter acted today:
no live count of the day queue that rises the moment a reporter acts. Finished days still
waiting are counted (their events carry no time of day), and tampering is still reported."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditQueueEntry
from sipadu.audit.service import record_event
from tests.casework.conftest import web_client
from tests.support.factories import make_staff

PAST = datetime(2025, 3, 4, 13, 12, 9, tzinfo=UTC)  # a day that is over
CSRF = re.compile(r'name="csrf_token" value="[^"]*"')
# The chain check counts staff rows since the last check: the auditor's own views add those.
CHAIN_RESULT = re.compile(r'<p [^>]*id="chain-result">.*?</p>', re.DOTALL)


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _reporter_acts(app: Flask, db: Session, now: datetime | None = None) -> None:
    record_event(db, _key(app), "message:sent", actor="reporter", case_code="SPD-7K3Q9M", now=now)
    db.commit()


def _auditor(app: Flask, db: Session) -> FlaskClient:
    client = web_client(app, db, make_staff(app, db, "auditor"))
    client.get("/bahasa/en")
    return client


def _console(client: FlaskClient) -> str:
    """The console filtered to reporter events, without what changes on every view."""
    page = client.get("/auditor/?tag=reporter:").get_data(as_text=True)
    return CHAIN_RESULT.sub("", CSRF.sub("", page))


def test_a_reporter_action_today_leaves_the_console_unchanged(app: Flask, db: Session) -> None:
    client = _auditor(app, db)
    _console(client)  # the first view's own audit row is checked by the next one
    before = _console(client)
    _reporter_acts(app, db)
    assert _console(client) == before
    assert "join the log after the day ends" in before
    assert "waiting" not in before


def test_finished_days_still_waiting_are_counted(app: Flask, db: Session) -> None:
    _reporter_acts(app, db, PAST)
    _reporter_acts(app, db)
    page = _console(_auditor(app, db))
    assert "Reporter events of finished days still waiting to be sealed: 1." in page


def test_the_console_still_reports_a_tampered_queue(app: Flask, db: Session) -> None:
    _reporter_acts(app, db)
    entry = db.scalars(select(AuditQueueEntry)).one()
    entry.sealed = bytes(entry.sealed)[:-1] + bytes([entry.sealed[-1] ^ 1])
    db.commit()
    page = _auditor(app, db).get("/auditor/").get_data(as_text=True)
    assert "queue of reporter events FAILED" in page


def test_verify_prints_the_same_before_and_after_a_reporter_action(app: Flask, db: Session) -> None:
    record_event(db, _key(app), "staff:login", actor="staff:1")
    db.commit()
    runner = app.test_cli_runner()
    before = runner.invoke(args=["audit", "verify"])
    _reporter_acts(app, db)
    after = runner.invoke(args=["audit", "verify"])
    assert before.exit_code == after.exit_code == 0
    assert after.stdout == before.stdout
    assert "after the day ends" in after.stdout


def test_verify_counts_finished_days_and_catches_tampering(app: Flask, db: Session) -> None:
    _reporter_acts(app, db, PAST)
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "1 reporter events of finished days" in verified.stdout
    entry = db.scalars(select(AuditQueueEntry)).one()
    entry.sealed = bytes(entry.sealed)[:-1] + bytes([entry.sealed[-1] ^ 1])
    db.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1
