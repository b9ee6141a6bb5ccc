"""The auditor console: log filters, CSV without content, chain result, suppressed stats."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.checkpoint import IncrementalReport, verify_since_checkpoint
from sipadu.audit.models import AuditCheckpoint, AuditEvent, AuditQueueEntry
from sipadu.audit.service import chain_head, record_event, verify_chain
from sipadu.auditor.service import AuditFilter, audit_page, statistics
from sipadu.cases.models import Case
from sipadu.cases.rating import rate_case
from sipadu.cases.statuses import Status
from sipadu.days import wib_today
from sipadu.db import db_session
from tests.conftest import build_app, make_settings
from tests.support.audit import seal_all
from tests.support.factories import DEFAULT_REPORT, make_case
from tests.support.instance import Database
from tests.support.staff import enrolled, sign_in


@pytest.fixture
def auditor_app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    application = build_app(make_settings(tmp_path, sqlite_database, rate_limits_enabled=False))
    yield application
    application.extensions["sipadu.engine"].dispose()


def _auditor(app: Flask) -> FlaskClient:
    with app.app_context():
        person = enrolled(app, db_session(), "auditor")
    client = app.test_client()
    client.get("/bahasa/en")
    assert sign_in(client, person).status_code == 303
    return client


def test_csv_export_has_the_events_and_no_content(auditor_app: Flask) -> None:
    with auditor_app.app_context():
        db = db_session()
        enrolled(auditor_app, db, "supervisor")
        created = make_case(auditor_app, db)
        code, key = created.case.code, created.case_key
        seal_all(auditor_app, db)
    client = _auditor(auditor_app)
    response = client.get("/auditor/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert any(row["Case"] == code for row in rows)
    # A reporter's event shows its day, never a time (not even 00:00).
    submitted = next(row for row in rows if row["Event code"] == "case:submitted")
    assert len(submitted["Time (UTC)"]) == 10
    assert submitted["Event"] == "Report submitted" and submitted["Actor"] == "Reporter"
    staff_rows = [row for row in rows if row["Event code"].startswith("staff:")]
    assert staff_rows and all(len(row["Time (UTC)"]) > 10 for row in staff_rows)
    # Actors and the staff named in a detail by username, never "staff:<id>".
    assert "staff:" not in " ".join(row["Actor"] + row["Detail"] for row in rows)
    assert key not in text
    for field, value in DEFAULT_REPORT.items():
        if field != "category":  # metadata, recorded on purpose
            assert str(value) not in text
    only_case = client.get(f"/auditor/export.csv?case={code}").get_data(as_text=True)
    assert {row["Case"] for row in csv.DictReader(io.StringIO(only_case))} == {code}


def test_log_page_filters_and_shows_the_chain_result(auditor_app: Flask) -> None:
    client = _auditor(auditor_app)
    page = client.get("/auditor/?tag=staff:login").get_data(as_text=True)
    assert 'id="chain-result"' in page and "Chain verified" in page
    rows = page.split("<tbody>")[1]
    assert ">Staff sign-in</td>" in rows and "Staff account created" not in rows
    assert '<option value="staff:login" selected>Staff sign-in</option>' in page


def _view_checks(client: FlaskClient) -> tuple[str, int, int]:
    """The page, and (after_seq, rows read) of the check the view ran."""
    import sipadu.auditor.views as views

    seen: list[IncrementalReport] = []

    def spy(db: Session, key: bytes) -> IncrementalReport:
        seen.append(verify_since_checkpoint(db, key))
        return seen[-1]

    with mock.patch.object(views, "verify_since_checkpoint", spy):
        page = client.get("/auditor/").get_data(as_text=True)
    return page, seen[0].after_seq, seen[0].chain.rows_checked


def _add_staff_events(app: Flask, count: int) -> None:
    with app.app_context():
        db = db_session()
        key = _audit_key(app)
        for _ in range(count):
            record_event(db, key, "case:viewed", actor="staff:1", case_code="SPD-7K3Q9M")
        db.commit()


def _audit_key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _head_seq(app: Flask) -> int:
    with app.app_context():
        return chain_head(db_session())[0]


def test_the_log_page_verifies_only_rows_after_its_checkpoint(auditor_app: Flask) -> None:
    client = _auditor(auditor_app)
    page, after, read = _view_checks(client)
    assert "Chain verified" in page and after == 0 and read == _head_seq(auditor_app) - 1
    checkpoint = _head_seq(auditor_app)  # the view's own audit:viewed row is the newest
    _add_staff_events(auditor_app, 5)
    page, after, read = _view_checks(client)
    # The rows from the last check on: the earlier audit:viewed row and the five new ones.
    assert "Chain verified" in page and (after, read) == (checkpoint - 1, 6)


def test_a_tampered_new_row_is_reported_on_the_page(auditor_app: Flask) -> None:
    client = _auditor(auditor_app)
    _view_checks(client)
    _add_staff_events(auditor_app, 3)
    newest = _head_seq(auditor_app)
    with auditor_app.app_context():
        db = db_session()
        db.execute(
            update(AuditEvent).where(AuditEvent.seq == newest - 1).values(case_code="SPD-FORGED")
        )
        db.commit()
    page, _, _ = _view_checks(client)
    assert "FAILED" in page and f"row {newest - 1}" in page


def test_an_old_tampered_row_is_left_to_the_full_check(auditor_app: Flask) -> None:
    """The view reads only new rows; the full walk (CLI, daily timer) catches the old one."""
    client = _auditor(auditor_app)
    _view_checks(client)
    with auditor_app.app_context():
        db = db_session()
        db.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(tag="system:edited"))
        db.commit()
        assert not verify_chain(db, _audit_key(auditor_app)).ok
    assert "Chain verified" in _view_checks(client)[0]


def test_a_forged_checkpoint_forces_a_full_check(auditor_app: Flask) -> None:
    client = _auditor(auditor_app)
    _view_checks(client)
    with auditor_app.app_context():
        db = db_session()
        db.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(tag="system:edited"))
        # Moving the checkpoint past the edit without the audit key cannot sign it.
        db.execute(update(AuditCheckpoint).values(hmac="0" * 64))
        db.commit()
    page, after, read = _view_checks(client)
    assert after == 0 and 'id="checkpoint-distrusted"' in page
    assert "FAILED at row 1" in page and read == 0


def test_audit_page_paginates_and_filters_by_date(app: Flask, db: Session) -> None:
    for _ in range(3):
        enrolled(app, db, "investigator")
    everything = audit_page(db, AuditFilter())
    assert everything.total >= 3 and everything.page == 1
    created = audit_page(db, AuditFilter(tag="staff:"))
    assert created.total == 3
    assert audit_page(db, AuditFilter(date_to=date(2000, 1, 1))).total == 0
    assert audit_page(db, AuditFilter(), page=999).page == everything.pages


def test_statistics_suppress_small_cells(auditor_app: Flask) -> None:
    with auditor_app.app_context():
        db = db_session()
        enrolled(auditor_app, db, "supervisor")
        for _ in range(3):
            make_case(auditor_app, db)
        for _ in range(6):
            make_case(auditor_app, db, {**DEFAULT_REPORT, "category": "pungli"})
        db.execute(update(Case).values(unit="Dinas A"))
        db.commit()
        figures = statistics(db, wib_today())
        assert figures.by_category["gratifikasi"] == 3
    page = _auditor(auditor_app).get("/auditor/statistics").get_data(as_text=True)
    assert "&lt; 5" in page and "<svg" in page and "<script" not in page
    assert ">3<" not in page  # the exact small count never appears


def test_statistics_count_ratings_without_comments(app: Flask) -> None:
    with app.app_context():
        db = db_session()
        enrolled(app, db, "supervisor")
        for score in (5, 5, 5, 5, 5, 5, 2):
            created = make_case(app, db)
            created.case.status, created.case.closed_on = Status.SELESAI, wib_today()
            rate_case(db, created.case, created.dek, score, "Komentar rahasia pelapor.")
        db.commit()
        figures = statistics(db, wib_today())
        db.commit()
    assert figures.by_rating == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 6}
    assert figures.mean_rating == 4.6
    page = _auditor(app).get("/auditor/statistics").get_data(as_text=True)
    assert 'id="h-rating"' in page and 'id="mean-rating">4.6<' in page
    assert "Komentar rahasia" not in page
    # One score of 2 beside six of 5: no breakdown could hide the lone rating, so none is shown.
    assert "Score 2: hidden" in page and ">6<" not in page and ">1<" not in page


def test_statistics_never_read_sealed_columns(app: Flask, db: Session) -> None:
    enrolled(app, db, "supervisor")
    make_case(app, db)
    db.execute(update(Case).values(report_sealed=b"broken"))
    db.commit()
    assert statistics(db, wib_today()).total == 1


def test_the_console_reports_the_day_queue(auditor_app: Flask) -> None:
    with auditor_app.app_context():
        db = db_session()
        record_event(
            db, _audit_key(auditor_app), "reporter:login", actor="reporter", case_code="SPD-7K3Q9M"
        )
        db.commit()
    client = _auditor(auditor_app)
    page = client.get("/auditor/").get_data(as_text=True)
    assert 'id="queue-result"' in page and "join the log after the day ends" in page
    assert "waiting" not in page  # no live count of today's reporter events
    with auditor_app.app_context():
        db = db_session()
        entry = db.scalars(select(AuditQueueEntry)).one()
        entry.sealed = bytes(entry.sealed)[:-1] + bytes([entry.sealed[-1] ^ 1])
        db.commit()
    page = client.get("/auditor/").get_data(as_text=True)
    assert "queue of reporter events FAILED" in page and "edited or forged" in page


@pytest.mark.parametrize("value", ["2026-13-45", "abc", "07-12-2026"])
def test_a_date_filter_that_is_no_date_is_said_not_ignored(auditor_app: Flask, value: str) -> None:
    client = _auditor(auditor_app)
    page = client.get(f"/auditor/?from={value}").get_data(as_text=True)
    assert f"“{value}” is not a date" in page
    export = client.get(f"/auditor/export.csv?to={value}")
    assert export.status_code == 400 and "nothing was exported" in export.get_data(as_text=True)
    assert client.get("/auditor/?from=2026-12-01").status_code == 200
    assert "is not a date" not in client.get("/auditor/?from=2026-12-01").get_data(as_text=True)
