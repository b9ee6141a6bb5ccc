"""No request holds the audit chain's lock while it publishes a file.

Every audited action locks the chain's head row until its transaction ends. A request that
locked it at its first event and then published blobs (an fsync each; on S3 a round trip)
would make every other audited request on every app server wait for those files. The probe
below replaces the publish step and, at that moment, tries to lock the head from another
connection without waiting (PostgreSQL ``FOR UPDATE NOWAIT``): no timing is involved.
SQLite is left out: there a writing transaction holds the database's one write lock
whatever it audits.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sipadu.audit.service import lock_head, record_event
from sipadu.db import make_engine
from sipadu.uploads.multipart import EncryptedUpload
from tests.reporting.conftest import (
    BASE_REPORT,
    Ready,
    case_key_of,
    login,
    post_case_form,
    submit,
)
from tests.support.instance import Database


def head_is_locked(engine: Engine) -> bool:
    """Whether some other transaction holds the audit head's row lock right now."""
    with engine.connect() as connection:
        try:
            connection.execute(text("SELECT id FROM audit_head WHERE id = 1 FOR UPDATE NOWAIT"))
        except OperationalError:
            return True
        finally:
            connection.rollback()
    return False


class PublishProbe:
    """Wraps ``EncryptedUpload.commit``: records whether the head was locked at each publish."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.locked_at_publish: list[bool] = []

    def wrap(self, real: Any) -> Any:
        def commit(upload: EncryptedUpload) -> str:
            self.locked_at_publish.append(head_is_locked(self.engine))
            blob_id: str = real(upload)
            return blob_id

        return commit

    def assert_never_locked(self, publishes: int) -> None:
        assert len(self.locked_at_publish) == publishes, "the files were not published"
        assert not any(self.locked_at_publish), "a file was published inside the audit lock"


@pytest.fixture
def probe(
    ready: Ready, database: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PublishProbe]:
    if database.backend != "postgresql":
        pytest.skip("SQLite: a writing transaction holds the one write lock whatever it audits")
    engine = make_engine(database.url, database.schema)
    watcher = PublishProbe(engine)
    monkeypatch.setattr(EncryptedUpload, "commit", watcher.wrap(EncryptedUpload.commit))
    yield watcher
    engine.dispose()


def test_the_probe_sees_a_held_lock(ready: Ready, database: Database) -> None:
    if database.backend != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter")
    engine = make_engine(database.url, database.schema)
    try:
        with Session(engine) as holder:
            lock_head(holder)
            assert head_is_locked(engine)
        assert not head_is_locked(engine)
    finally:
        engine.dispose()


def test_an_unpublished_event_takes_no_lock(ready: Ready, database: Database) -> None:
    """Recording an event leaves the head free until the commit writes it."""
    if database.backend != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter")
    engine = make_engine(database.url, database.schema)
    key = ready.app.extensions["sipadu.settings"].keyring.audit_hmac_key
    try:
        with Session(engine) as writer:
            record_event(writer, key, "case:viewed", actor="staff:1")
            assert not head_is_locked(engine)
            writer.commit()
    finally:
        engine.dispose()


def test_report_form_with_files_publishes_outside_the_lock(
    ready: Ready, probe: PublishProbe
) -> None:
    page = submit(
        ready.app.test_client(), files=[(b"bukti satu", "satu.txt"), (b"bukti dua", "dua.txt")]
    )
    assert case_key_of(page)
    probe.assert_never_locked(publishes=2)


def test_report_api_with_files_publishes_outside_the_lock(
    ready: Ready, probe: PublishProbe
) -> None:
    response = ready.app.test_client().post(
        "/api/v1/reports",
        content_type="multipart/form-data",
        data={
            "report": json.dumps(BASE_REPORT),
            "attachments": [(io.BytesIO(b"plain text"), "a.txt")],
        },
    )
    assert response.status_code == 201, response.get_json()
    probe.assert_never_locked(publishes=1)


def test_follow_up_files_publish_outside_the_lock(ready: Ready, probe: PublishProbe) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    login(client, key)
    post_case_form(client, "/kasus/saya/bukti", files=[(b"bukti baru", "baru.txt")])
    api = ready.app.test_client().post(
        "/api/v1/case/attachments",
        headers={"Authorization": f"CaseKey {key}"},
        data={"attachments": [(io.BytesIO(b"lagi"), "lagi.txt")]},
        content_type="multipart/form-data",
    )
    assert api.status_code == 201, api.get_json()
    probe.assert_never_locked(publishes=2)
