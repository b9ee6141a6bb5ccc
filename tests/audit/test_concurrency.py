"""Concurrent writers in separate processes must queue on the head, never fork the chain,
and never lose count of the reporter events they queue."""

from __future__ import annotations

import multiprocessing
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.day_queue import verify_queue
from sipadu.audit.models import AuditEvent
from sipadu.audit.service import record_event, verify_chain
from sipadu.db import make_engine
from tests.support.instance import Database

EVENTS_PER_WRITER = 40
WRITERS = 3


def _append_events(url: str, schema: str | None, key: bytes, writer: int, start: Any) -> None:
    engine = make_engine(url, schema)
    start.wait(timeout=30)
    for number in range(EVENTS_PER_WRITER):
        with Session(engine) as session:
            # Read first, as a request does before it audits: the stale-read case.
            session.execute(select(AuditEvent.seq).limit(1)).all()
            if number % 2:  # every other event a reporter's, for the day queue
                record_event(session, key, "reporter:login", actor="reporter")
            else:
                record_event(session, key, "case:viewed", actor=f"staff:{writer}")
            session.commit()
    engine.dispose()


def test_parallel_processes_keep_one_chain(app: Flask, database: Database) -> None:
    keyring = current_settings(app).keyring
    assert keyring is not None
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [
        context.Process(
            target=_append_events,
            args=(database.url, database.schema, keyring.audit_hmac_key, n, start),
        )
        for n in range(1, WRITERS + 1)
    ]
    for process in writers:
        process.start()
    start.set()
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0, "a writer failed (locked database or forked chain)"

    with app.app_context():
        from sipadu.db import db_session

        session = db_session()
        report = verify_chain(session, keyring.audit_hmac_key)
        assert report.ok, report.problem
        assert report.rows_checked == WRITERS * EVENTS_PER_WRITER // 2
        actors = session.scalars(select(AuditEvent.actor)).all()
        for writer in range(1, WRITERS + 1):
            assert actors.count(f"staff:{writer}") == EVENTS_PER_WRITER // 2
        queue = verify_queue(session, keyring.audit_hmac_key)
        assert queue.ok and queue.pending == WRITERS * EVENTS_PER_WRITER // 2
