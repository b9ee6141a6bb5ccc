"""Reporter-caused notifications wait until their UTC day is over.

A digest sent minutes after a report or a reply would date it to within minutes, in mailboxes
(the ``Date`` header) and logs kept for years; the audit log keeps reporter actions to the
day. So "ada laporan baru" / "ada balasan pelapor" go out in the first run after midnight UTC,
the same day boundary as the audit day queue; staff-caused kinds stay prompt.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.notify.models import REPORTER_KINDS, PendingNotification
from sipadu.notify.service import (
    notify_new_case,
    notify_reporter_reply,
    notify_supervisor_approved,
    send_digests,
)
from tests.notify.test_notify import FakeTransport
from tests.support.factories import make_case
from tests.support.staff import enrolled

AFTERNOON = datetime(2026, 3, 4, 14, 37, 21, 123456, tzinfo=UTC)
DAY_START = datetime(2026, 3, 4, tzinfo=UTC)
NEXT_DAY = datetime(2026, 3, 5, 0, 5, tzinfo=UTC)


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def test_a_new_case_digest_waits_until_its_day_is_over(app: Flask, db: Session) -> None:
    enrolled(app, db, "supervisor", email="verif@example.org")
    notify_new_case(db, make_case(app, db).case, now=AFTERNOON)
    db.commit()
    transport = FakeTransport()
    for minutes in (0, 5, 60, 9 * 60 + 22):  # every timer run until the last second of the day
        moment = AFTERNOON + timedelta(minutes=minutes, seconds=38)
        report = send_digests(db, transport, audit_key=_key(app), now=moment)
        assert (report.sent, report.logged) == (0, 0) and transport.sent == []
    report = send_digests(db, transport, audit_key=_key(app), now=NEXT_DAY)
    assert report.sent == 1 and len(transport.sent) == 1
    assert "Ada laporan baru: 1." in transport.sent[0][2]
    assert db.scalars(select(PendingNotification)).first() is None


def test_a_reporter_reply_waits_and_no_log_line_appears_that_day(
    app: Flask, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    enrolled(app, db, "investigator", email="irban@example.org")
    supervisor = enrolled(app, db, "supervisor", email=None)
    created = make_case(app, db)
    db.query(PendingNotification).delete()
    notify_reporter_reply(db, created.case, now=AFTERNOON)
    db.commit()
    with caplog.at_level("INFO", logger="sipadu.notify"):
        today = send_digests(db, None, audit_key=_key(app), now=AFTERNOON + timedelta(hours=2))
        assert (today.sent, today.logged) == (0, 0)
        assert "notification digest" not in caplog.text
        later = send_digests(db, None, audit_key=_key(app), now=NEXT_DAY)
    assert later.logged >= 1
    assert f"staff:{supervisor.account_id}: reporter_reply=1" in caplog.text


def test_queued_reporter_rows_keep_the_day_only(app: Flask, db: Session) -> None:
    enrolled(app, db, "supervisor")
    created = make_case(app, db)
    db.query(PendingNotification).delete()
    notify_new_case(db, created.case, now=AFTERNOON)
    notify_reporter_reply(db, created.case, now=AFTERNOON)
    db.commit()
    db.expire_all()  # read back from the database: the column type hands back aware UTC
    rows = db.scalars(select(PendingNotification)).all()
    assert {row.kind for row in rows} == REPORTER_KINDS
    for row in rows:
        assert row.created_at == DAY_START


def test_a_staff_caused_digest_goes_out_at_once_and_leaves_held_rows(
    app: Flask, db: Session
) -> None:
    """An approval is sent in the next run; the reporter's row of that day stays queued."""
    enrolled(app, db, "supervisor", email="verif@example.org")
    created = make_case(app, db)
    db.query(PendingNotification).delete()
    notify_new_case(db, created.case, now=AFTERNOON)  # queued first: the lower id
    notify_supervisor_approved(db, now=AFTERNOON)
    db.commit()
    transport = FakeTransport()
    report = send_digests(db, transport, audit_key=_key(app), now=AFTERNOON + timedelta(minutes=5))
    assert report.sent == 1
    body = transport.sent[0][2]
    assert "Verifikator baru disetujui: 1." in body and "laporan baru" not in body.lower()
    assert [row.kind for row in db.scalars(select(PendingNotification))] == ["new_case"]
    send_digests(db, transport, audit_key=_key(app), now=NEXT_DAY)
    assert len(transport.sent) == 2 and "Ada laporan baru: 1." in transport.sent[1][2]
    assert db.scalars(select(PendingNotification)).first() is None
