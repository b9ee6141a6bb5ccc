"""Fault injection helpers: a database that goes away and comes back, a full blob store."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from sipadu.audit.models import AuditEvent, AuditQueueEntry
from sipadu.cases.models import Attachment, Case
from sipadu.db import db_session
from sipadu.settings import Settings
from tests.conftest import make_settings
from tests.reporting.conftest import Ready
from tests.support.factories import make_staff
from tests.support.instance import Database

UNREACHABLE_SQLITE = "/nonexistent-sipadu-outage/sipadu.sqlite3"


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """Fault tests post often: rate limits off."""
    return make_settings(
        tmp_path, database, rate_limits_enabled=False, max_file_bytes=256 * 1024, max_files=3
    )


@pytest.fixture
def ready(app: Flask) -> Ready:
    """An app ready for reports: a supervisor exists."""
    with app.app_context():
        supervisor = make_staff(app, db_session())
        db_session().commit()
    return Ready(app, supervisor)


def closed_port() -> int:
    """A loopback TCP port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def database_outage(app: Flask) -> Iterator[None]:
    """Within the block every new connection goes to a database that is not there.

    Pooled connections are dropped first, as a server restart drops them; the app's own
    engine, pool and session handling must cope and recover once the block ends.
    """
    port = closed_port()

    def _redirect(dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        if dialect.name == "sqlite":
            cargs[:] = [UNREACHABLE_SQLITE]
        else:
            cparams.update(host="127.0.0.1", port=port, connect_timeout=3)

    with connections_redirected(app, _redirect):
        yield


@contextmanager
def connections_redirected(app: Flask, redirect: Callable[..., None]) -> Iterator[None]:
    """Within the block ``redirect`` (a ``do_connect`` listener) rewrites every new
    connection of the app's engine; pooled connections are dropped first."""
    engine = app.extensions["sipadu.engine"]
    engine.dispose()
    event.listen(engine, "do_connect", redirect)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", redirect)


def report_multipart(text: str, payload: bytes = b"bukti " * 2000) -> dict[str, Any]:
    """An API multipart report with one attachment."""
    return {
        "report": json.dumps({"category": "pungli", "what": text}),
        "attachments": [(io.BytesIO(payload), "bukti.txt")],
    }


def stored_state(app: Flask) -> tuple[int, int, int, set[str], set[str]]:
    """(cases, attachments, audit events chained or queued, blob ids referenced, blob files
    on disk)."""
    store = app.extensions["sipadu.blobs"]
    with app.app_context():
        db = db_session()
        cases = db.scalar(select(func.count()).select_from(Case)) or 0
        files = set(db.scalars(select(Attachment.blob_id)))
        events = (db.scalar(select(func.count()).select_from(AuditEvent)) or 0) + (
            db.scalar(select(func.count()).select_from(AuditQueueEntry)) or 0
        )
    on_disk = set(store.blob_ids())
    return cases, len(files), events, files, on_disk
