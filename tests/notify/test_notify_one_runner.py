"""``sipadu notify send`` runs on one server at a time: a second run exits at once.

Every app server may run the digest timer. While one run is delivering (its first mail held
in the relay here), a run started elsewhere must send nothing and say why; in the end each
recipient got exactly one mail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.notify.cli import send_command
from sipadu.notify.one_runner import advisory_lock_id
from sipadu.notify.service import notify_new_case
from sipadu.settings import Settings, SmtpSettings
from tests.conftest import make_settings
from tests.support.factories import make_case
from tests.support.instance import Database
from tests.support.smtp_relay import StallingServer, running_relay
from tests.support.staff import enrolled


@pytest.fixture
def relay() -> Iterator[StallingServer]:
    with running_relay() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database: Database, relay: StallingServer) -> Settings:
    """Digests go to the stalling relay."""
    smtp = SmtpSettings(host="127.0.0.1", port=relay.server_address[1], tls="none")
    return make_settings(tmp_path, database, smtp=smtp)


def _send(app: Flask) -> None:
    """One ``sipadu notify send`` (as the timer of one server runs it)."""
    with app.app_context(), click.Context(send_command):
        send_command.callback()  # type: ignore[misc]


def test_a_second_sender_exits_while_the_first_delivers(
    app: Flask, db: Session, relay: StallingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in range(2):
        enrolled(app, db, "supervisor", email=f"verif{number}@example.org")
    yesterday = datetime.now(UTC) - timedelta(days=1)  # a reporter's event: due the next day
    notify_new_case(db, make_case(app, db).case, now=yesterday)
    db.commit()
    first = threading.Thread(target=_send, args=(app,))
    first.start()
    try:
        assert relay.arrived.acquire(timeout=30)  # the first run is delivering
        _send(app)  # the timer of another server fires now
        assert "Another `sipadu notify send` is running" in capsys.readouterr().out
        assert not relay.arrived.acquire(timeout=0.5), "the second run sent a mail"
    finally:
        relay.releases.release(10)
        first.join(60)
    assert relay.delivered == 2  # one digest per supervisor, none twice
    assert "Digests sent: 2" in capsys.readouterr().out
    _send(app)  # the next run is alone again: nothing is due within the interval
    assert "Digests sent: 0" in capsys.readouterr().out and relay.delivered == 2


def test_lock_ids_differ_per_schema_and_fit_a_bigint() -> None:
    ids = {advisory_lock_id(None), advisory_lock_id("a"), advisory_lock_id("b")}
    assert len(ids) == 3 and all(-(2**63) <= lock <= 2**63 - 1 for lock in ids)
