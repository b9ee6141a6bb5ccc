"""``sipadu notify send`` holds no database lock while it talks to the mail server.

It used to record the audit event of one digest and then deliver the next inside the same
transaction: with a relay taking five seconds per message, every audited action of the whole
instance waited five seconds. Here the relay on 127.0.0.1 stalls each message until the test
lets it go; meanwhile another audited action must complete.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.audit.service import record_event
from sipadu.db import db_session
from sipadu.notify.models import PendingNotification
from sipadu.notify.service import notify_new_case, send_digests
from sipadu.notify.smtp import SmtpTransport
from tests.support.audit import seal_all
from tests.support.factories import make_case
from tests.support.smtp_relay import StallingServer, running_relay
from tests.support.staff import enrolled


@pytest.fixture
def relay() -> Iterator[StallingServer]:
    with running_relay() as server:
        yield server


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _tomorrow() -> datetime:
    """A run after the day is over: reporter kinds are held until then."""
    return datetime.now(UTC) + timedelta(days=1)


def _send_all(app: Flask, transport: SmtpTransport, errors: list[BaseException]) -> None:
    try:
        with app.app_context():
            db = db_session()
            send_digests(db, transport, audit_key=_key(app), now=_tomorrow())
            db.commit()
    except BaseException as error:  # reported by the test
        errors.append(error)


def test_an_audited_action_completes_while_a_digest_is_being_sent(
    app: Flask, db: Session, relay: StallingServer
) -> None:
    for number in range(2):
        enrolled(app, db, "supervisor", email=f"verif{number}@example.org")
    notify_new_case(db, make_case(app, db).case)
    db.commit()
    transport = SmtpTransport(
        host="127.0.0.1", port=relay.server_address[1], tls="none", timeout=30
    )
    errors: list[BaseException] = []
    sender = threading.Thread(target=_send_all, args=(app, transport, errors))
    sender.start()
    try:
        assert relay.arrived.acquire(timeout=30)  # the first digest is stalled in the relay
        relay.releases.release()
        assert relay.arrived.acquire(timeout=30)  # the first went, its event is recorded
        # ...and the second is stalled now: an audited action elsewhere must not wait for it.
        with app.app_context():
            other = db_session()
            record_event(other, _key(app), "staff:logout", actor="staff:1")
            other.commit()
        assert relay.delivered == 1, "the audited action waited for the mail server"
    finally:
        relay.releases.release(10)
        sender.join(60)
    assert not errors, errors
    assert relay.delivered == 2
    db.expire_all()
    seal_all(app, db)  # a digest's event waits in the day queue (its time would date a report)
    tags = [event.tag for event in db.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert tags.count("notification:sent") == 2 and "staff:logout" in tags
    assert db.scalars(select(PendingNotification)).first() is None


def test_a_digest_queued_during_the_send_waits_for_the_next_run(app: Flask, db: Session) -> None:
    """Rows queued while a digest is on its way are not deleted with the ones it carried."""
    enrolled(app, db, "supervisor", email="verif@example.org")
    created = make_case(app, db)
    notify_new_case(db, created.case)
    db.commit()

    class QueueingTransport:
        sent = 0

        def send(self, recipient: str, subject: str, body: str) -> None:
            self.sent += 1
            with app.app_context():
                elsewhere = db_session()
                notify_new_case(elsewhere, created.case)
                elsewhere.commit()

    start = _tomorrow()
    assert send_digests(db, QueueingTransport(), audit_key=_key(app), now=start).sent == 1
    db.commit()
    assert len(list(db.scalars(select(PendingNotification)))) == 1
    later = send_digests(
        db, QueueingTransport(), audit_key=_key(app), now=start + timedelta(minutes=16)
    )
    assert later.sent == 1


def test_overlapping_runs_send_once_and_a_failure_is_retried(app: Flask, db: Session) -> None:
    enrolled(app, db, "supervisor", email="verif@example.org")
    notify_new_case(db, make_case(app, db).case)
    db.commit()
    start = _tomorrow()

    class Refusing:
        def send(self, recipient: str, subject: str, body: str) -> None:
            raise OSError("relay down")

    assert send_digests(db, Refusing(), audit_key=_key(app), now=start).deferred == 1
    nested: list[int] = []

    class Overlapping:
        sent = 0

        def send(self, recipient: str, subject: str, body: str) -> None:
            self.sent += 1
            with app.app_context():  # a second `notify send` started by the timer meanwhile
                again = send_digests(
                    db_session(),
                    Overlapping(),
                    audit_key=_key(app),
                    now=start + timedelta(minutes=1),
                )
                nested.append(again.sent)

    # The refused digest was not marked sent: the next run, a minute later, delivers it.
    outer = Overlapping()
    report = send_digests(db, outer, audit_key=_key(app), now=start + timedelta(minutes=1))
    assert (report.sent, outer.sent, nested) == (1, 1, [0])
    assert db.scalars(select(PendingNotification)).first() is None
