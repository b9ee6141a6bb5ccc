"""What the metrics count, in one process: requests by endpoint name (never the path), the
Argon2 gate and the case-key slots, rate-limit refusals by kind, audit appends, blob-store
failures. Label values are fixed words whatever a client sends."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from flask_limiter import RateLimitExceeded
from prometheus_client import generate_latest, values

import sipadu.metrics
import sipadu.ops.backlog
from sipadu.app_context import current_audit_key
from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.db import db_session
from sipadu.metrics import Metrics, disable_multiprocess, fixed_word, metrics
from sipadu.notify.service import notify_new_case
from sipadu.ops.backlog import refresh_backlog_gauge
from sipadu.settings import Settings
from sipadu.storage.base import BlobNotFoundError
from sipadu.storage.filesystem import FilesystemBlobStore
from sipadu.web.argon2_gate import Argon2Gate, Argon2GateBusyError
from sipadu.web.auth import public
from sipadu.web.key_check_slots import KeyCheckBusyError, case_key_check
from sipadu.web.ratelimit import limit_kind, limiter
from tests.conftest import build_app
from tests.support.clock import pin_limiter_clock
from tests.support.factories import make_case
from tests.support.staff import enrolled

CASE_CODE = "SPD-7K3Q9MX"


def value(name: str, **labels: str) -> float:
    return metrics().registry.get_sample_value(name, labels) or 0.0


def exposition() -> str:
    return generate_latest(metrics().registry).decode()


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("public.landing", "public.landing"),
        ("404", "404"),
        (f"/petugas/kasus/{CASE_CODE}", "other"),
        (CASE_CODE, "other"),
        ("203.0.113.7 ", "other"),
        ("a" * 65, "other"),
        (None, "other"),
    ],
)
def test_labels_are_fixed_words_only(raw: str | None, label: str) -> None:
    assert fixed_word(raw) == label


def test_requests_are_counted_by_endpoint_name_never_by_path(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    before = value("sipadu_http_requests_total", endpoint="unmatched", status="404")
    healthz = value("sipadu_http_requests_total", endpoint="health.healthz", status="200")
    assert client.get(f"/{CASE_CODE}/rahasia").status_code == 404
    client.get(f"/petugas/kasus/{CASE_CODE}")
    assert client.get("/healthz").status_code == 200
    assert value("sipadu_http_requests_total", endpoint="unmatched", status="404") == before + 1
    assert value("sipadu_http_requests_total", endpoint="health.healthz", status="200") == (
        healthz + 1
    )
    assert value("sipadu_http_request_duration_seconds_count", endpoint="health.healthz") >= 1
    text = exposition()
    assert CASE_CODE not in text and "rahasia" not in text and "/petugas" not in text


def test_an_admitted_derivation_leaves_the_metrics_unchanged() -> None:
    """No gauge of derivations running or waiting: a scrape during a reporter's key check
    would date it to the second. Only a refusal is counted."""
    gate = Argon2Gate(slots=1, wait_seconds=5)
    before = exposition()
    with gate.admit():
        assert exposition() == before
    assert "argon2_gate_in_use" not in before and "argon2_gate_waiting" not in before


def test_a_refused_derivation_is_counted() -> None:
    gate = Argon2Gate(slots=1, wait_seconds=0)
    busy = value("sipadu_argon2_gate_busy_total")
    with gate.admit(), pytest.raises(Argon2GateBusyError), gate.admit():
        pass
    assert value("sipadu_argon2_gate_busy_total") == busy + 1


def test_case_key_slots_count_refusals_only(sqlite_app: Flask) -> None:
    """A key check in progress shows nowhere in the metrics (every one is a reporter's); a
    check refused because every slot is taken is counted."""
    settings: Settings = sqlite_app.extensions["sipadu.settings"]
    app = build_app(replace(settings, case_key_check_slots=1))
    busy = value("sipadu_case_key_check_busy_total")
    before = exposition()
    with app.app_context(), case_key_check():
        assert exposition() == before
        with pytest.raises(KeyCheckBusyError), case_key_check():
            pass
    assert value("sipadu_case_key_check_busy_total") == busy + 1
    assert "slots_in_use" not in exposition()
    app.extensions["sipadu.engine"].dispose()


def test_each_audit_append_is_timed(app: Flask) -> None:
    before = value("sipadu_audit_append_seconds_count")
    with app.app_context():
        record_event(db_session(), current_audit_key(app), "system:initialised", actor=Actor.CLI)
        db_session().commit()
    assert value("sipadu_audit_append_seconds_count") == before + 1


def test_a_reporters_audit_event_is_not_counted(app: Flask) -> None:
    """A scrape would otherwise date a reporter's sign-in, wrong key or new report to its
    interval (their events are kept to the day in the audit log too)."""
    before = value("sipadu_audit_append_seconds_count")
    with app.app_context():
        for tag in ("case:submitted", "reporter:login", "reporter:login_failed"):
            record_event(db_session(), current_audit_key(app), tag, actor=Actor.REPORTER)
        db_session().commit()
    assert value("sipadu_audit_append_seconds_count") == before


def test_rate_limit_refusals_are_counted_by_kind_and_endpoint(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_limiter_clock(monkeypatch)
    labels = {"limit": "default", "endpoint": "public.landing"}
    before = value("sipadu_rate_limit_refusals_total", **labels)
    client = sqlite_app.test_client()
    statuses = [client.get("/").status_code for _ in range(62)]
    assert statuses.count(429) == 2
    assert value("sipadu_rate_limit_refusals_total", **labels) == before + 2


def test_the_kind_of_limit_is_told_apart(sqlite_app: Flask) -> None:
    manager = limiter.limit_manager
    application = RateLimitExceeded(manager.application_limits[0])
    default = RateLimitExceeded(manager.default_limits[0])
    own = RateLimitExceeded(replace(manager.default_limits[0], scope="staff.login"))
    assert [limit_kind(error) for error in (application, default, own)] == [
        "application",
        "default",
        "view",
    ]


def test_failing_blob_store_operations_are_counted_not_a_missing_blob(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = FilesystemBlobStore(root)
    missing = value("sipadu_blob_store_errors_total", operation="open")
    with pytest.raises(BlobNotFoundError):
        store.open("0" * 32)  # a missing blob is the caller's business
    assert value("sipadu_blob_store_errors_total", operation="open") == missing
    root.rmdir()
    failed = value("sipadu_blob_store_errors_total", operation="open_writer")
    with pytest.raises(OSError):
        store.open_writer()
    assert value("sipadu_blob_store_errors_total", operation="open_writer") == failed + 1


def test_a_metrics_failure_never_fails_a_request(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unwritable() -> Metrics:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sipadu.metrics, "metrics", unwritable)
    client = sqlite_app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    with Argon2Gate(slots=1, wait_seconds=0).admit():
        pass


def test_a_stray_multiprocess_folder_is_ignored_without_a_metrics_bind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    monkeypatch.setattr(values, "ValueClass", values.get_value_class())  # type: ignore[no-untyped-call]
    disable_multiprocess()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    metrics().requests.labels("health.healthz", "200").inc()  # in memory: no folder needed
    assert not (tmp_path / "missing").exists()


def test_the_outbox_backlog_is_counted_by_outbox_name_only(app: Flask) -> None:
    """Rows waiting for the next digest show as a number per outbox, nothing else: no case
    code, no staff member, no time finer than the scrape."""
    with app.app_context():
        db = db_session()
        enrolled(app, db, "supervisor")
        case = make_case(app, db).case
        queued = notify_new_case(db, case)
        db.commit()
        code = case.code
    assert queued >= 1
    refresh_backlog_gauge(app)
    assert value("sipadu_outbox_overdue", outbox="notifications") == 0  # queued today: not overdue
    assert value("sipadu_outbox_overdue", outbox="webhooks") == 0
    assert code not in exposition()


def test_the_backlog_is_counted_at_most_once_a_minute_per_worker(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[Flask] = []
    monkeypatch.setattr(sipadu.ops.backlog, "refresh_backlog_gauge", counted.append)
    client = sqlite_app.test_client()
    for _ in range(3):
        client.get("/healthz").close()  # the count runs once the response is closed
    assert len(counted) <= 1


def test_reporter_requests_are_neither_counted_by_endpoint_nor_timed(sqlite_app: Flask) -> None:
    """A scrape must not date when a report was filed or a case page read."""
    bp = Blueprint("probe_reporter_failure", __name__)

    @bp.get("/kasus/t-failing")
    @public
    def failing() -> str:
        raise RuntimeError("broken on purpose")

    sqlite_app.register_blueprint(bp)
    client = sqlite_app.test_client()
    failures = value("sipadu_http_requests_total", endpoint="reporter", status="500")
    assert client.get("/kasus").status_code == 200
    assert client.get("/laporan").status_code < 500
    client.post("/api/v1/reports", json={"category": "kkn", "what": "Uji metrik pelapor."})
    client.post("/kasus", data={"case_key": "bukan-kunci"})
    assert client.get("/kasus/t-failing").status_code == 500
    text = exposition()
    for endpoint in ("followup.", "reporting.", "reporting_api.", "probe_reporter_failure."):
        assert f'endpoint="{endpoint}' not in text, endpoint
    assert value("sipadu_http_requests_total", endpoint="reporter", status="500") == failures + 1
    assert 'sipadu_http_request_duration_seconds_count{endpoint="reporter"}' not in text
    assert 'endpoint="reporter",status="200"' not in text


def test_a_reporters_rate_limit_refusal_is_counted_without_its_endpoint(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_limiter_clock(monkeypatch)
    labels = {"limit": "default", "endpoint": "reporter"}
    before = value("sipadu_rate_limit_refusals_total", **labels)
    client = sqlite_app.test_client()
    statuses = [client.get("/kasus").status_code for _ in range(62)]
    assert statuses.count(429) == 2
    assert value("sipadu_rate_limit_refusals_total", **labels) == before + 2
    assert 'endpoint="followup.' not in exposition()
