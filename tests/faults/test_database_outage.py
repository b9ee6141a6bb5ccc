"""The database goes away mid-run: a clear bilingual 503 (JSON under /api/) with Retry-After,
nothing half-stored, and the same app answers normally again once the database is back."""

from __future__ import annotations

import io
import logging

import pytest
from flask import Flask
from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from sipadu.cases.models import Case
from sipadu.web.auth import public
from tests.faults.conftest import database_outage, report_multipart, stored_state
from tests.reporting.conftest import BASE_REPORT, Ready
from tests.support.csrf import hidden_fields

ID_TEXT = "Layanan tidak dapat menghubungi basis datanya"
EN_TEXT = "The service cannot reach its database"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"CaseKey {key}"}


def test_outage_gives_503_then_recovers(ready: Ready, caplog: pytest.LogCaptureFixture) -> None:
    app: Flask = ready.app
    client = app.test_client()
    before = client.post(
        "/api/v1/reports",
        data=report_multipart("Sebelum gangguan."),
        content_type="multipart/form-data",
    )
    assert before.status_code == 201
    key = before.get_json()["case_key"]
    hidden = hidden_fields(client.get("/laporan"))
    state = stored_state(app)

    with caplog.at_level(logging.WARNING), database_outage(app):
        page = client.post(
            "/laporan",
            content_type="multipart/form-data",
            data={**hidden, **BASE_REPORT, "attachments": [(io.BytesIO(b"x" * 5000), "a.txt")]},
        )
        api = client.post(
            "/api/v1/reports",
            data=report_multipart("Saat gangguan."),
            content_type="multipart/form-data",
        )
        case = client.get("/api/v1/case", headers=_auth(key))
        landing = client.get("/")  # a public page, not a reporter's action: it is logged

    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    html = page.get_data(as_text=True)
    assert ID_TEXT in html and EN_TEXT in html
    for response in (api, case):
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"].isdigit()
        assert response.get_json()["error"]["code"] == "unavailable"
        assert (
            EN_TEXT in response.get_json()["error"]["message"]
            or ID_TEXT in response.get_json()["error"]["message"]
        )
    # Nothing of the refused submissions was kept, and the log names types only.
    assert stored_state(app) == state
    assert "Saat gangguan" not in caplog.text and "127.0.0.1" not in caplog.text
    assert landing.status_code == 503
    assert "database unavailable" in caplog.text and "on GET /" in caplog.text
    # The reporters' requests leave no line: its time would date a submission or a login.
    for path in ("/laporan", "/api/v1/reports", "/api/v1/case"):
        assert path not in caplog.text

    # The database is back: the same app (same pool, same worker) answers by itself.
    assert client.get("/api/v1/case", headers=_auth(key)).status_code == 200
    after = client.post(
        "/api/v1/reports",
        data=report_multipart("Setelah gangguan."),
        content_type="multipart/form-data",
    )
    assert after.status_code == 201
    cases, files, *_ = stored_state(app)
    assert (cases, files) == (state[0] + 1, state[1] + 1)
    _, _, _, referenced, on_disk = stored_state(app)
    assert referenced == on_disk


def _raising_app(sqlite_app: Flask, error: Exception) -> Flask:
    @public
    def boom() -> str:
        raise error

    sqlite_app.add_url_rule("/boom", "boom", boom)
    sqlite_app.add_url_rule("/api/v1/boom", "api_boom", boom)
    return sqlite_app


def test_query_errors_stay_500_and_messages_never_logged(
    sqlite_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only connection failures are "unavailable"; a broken query is still our bug (500).
    Neither log line repeats the driver's message, which can quote parameters."""
    secret = "rahasia-pelapor-123"
    app = _raising_app(
        sqlite_app, IntegrityError("INSERT ...", {"what": secret}, Exception(secret))
    )
    with caplog.at_level(logging.INFO):
        assert app.test_client().get("/boom").status_code == 500
        api = app.test_client().get("/api/v1/boom")
    assert api.status_code == 500 and api.get_json()["error"]["code"] == "internal_error"
    assert secret not in caplog.text and "IntegrityError" in caplog.text


def test_lost_connection_mid_query_is_503(
    sqlite_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "rahasia-pelapor-456"
    error = DBAPIError(
        "SELECT ...", {"code": secret}, Exception(secret), connection_invalidated=True
    )
    app = _raising_app(sqlite_app, error)
    with caplog.at_level(logging.INFO):
        page = app.test_client().get("/boom")
    assert page.status_code == 503 and ID_TEXT in page.get_data(as_text=True)
    assert secret not in caplog.text


def test_postgres_restart_drops_pooled_connections_and_pool_recovers(
    ready: Ready,
    postgres_url: str,
) -> None:
    """The server dropped every pooled connection (as a restart does) and is back at once:
    pool_pre_ping notices and reconnects; the reporter sees no error at all."""
    app = ready.app
    if app.extensions["sipadu.engine"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pool only")
    client = app.test_client()
    filed = client.post("/api/v1/reports", json=BASE_REPORT).get_json()
    engine = app.extensions["sipadu.engine"]
    with engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    killer = create_engine(postgres_url, poolclass=NullPool)
    try:
        with killer.connect() as admin:
            # Only the app's own backend, never another test run's.
            assert admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar()
    finally:
        killer.dispose()
    assert client.get("/api/v1/case", headers=_auth(filed["case_key"])).status_code == 200


def test_outage_after_blob_published_removes_the_blob(
    ready: Ready,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database fails after the attachment's blob was published but before the commit:
    the request knows nothing was committed, so it deletes that blob itself."""
    from sipadu.reporting import service

    def lost(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT ...", {}, Exception("server closed the connection"))

    client = ready.app.test_client()
    state = stored_state(ready.app)
    monkeypatch.setattr(service, "notify_new_case", lost)
    response = client.post(
        "/api/v1/reports",
        data=report_multipart("Putus di tengah."),
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert stored_state(ready.app) == state


def test_failed_commit_leaves_its_blob_to_gc(ready: Ready) -> None:
    """When the commit itself fails its outcome is unknown (the server may have committed
    before the connection broke): the blob is kept for `sipadu storage gc`, which checks rows."""

    def note_case_insert(session: Session, _context: object) -> None:
        # The identity map holds rows weakly: by the time the request's unit of work commits,
        # the flushed Case may be gone from it. Remember at flush time that this transaction
        # stores a case instead.
        if any(isinstance(row, Case) for row in session.new):
            session.info["stores_case"] = True

    def broken_commit(session: Session) -> None:
        # Only the commit that would store the case (earlier commits only end reads).
        if session.info.pop("stores_case", False):
            raise OperationalError("COMMIT", {}, Exception("connection lost during commit"))

    client = ready.app.test_client()
    cases, files, events, referenced, on_disk = stored_state(ready.app)
    event.listen(Session, "after_flush", note_case_insert)
    event.listen(Session, "before_commit", broken_commit)
    try:
        response = client.post(
            "/api/v1/reports",
            data=report_multipart("Commit gagal."),
            content_type="multipart/form-data",
        )
    finally:
        event.remove(Session, "before_commit", broken_commit)
        event.remove(Session, "after_flush", note_case_insert)
    assert response.status_code == 503
    after = stored_state(ready.app)
    assert after[:4] == (cases, files, events, referenced)
    assert len(after[4] - on_disk) == 1  # the published blob, now an orphan for gc
