"""The auditor console: log filters, CSV without content, chain result, suppressed stats."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from sipadu.audit.models import AuditEvent
from sipadu.auditor.service import AuditFilter, audit_page, statistics
from sipadu.cases.models import Case
from sipadu.db import db_session
from tests.conftest import Database, build_app, make_settings
from tests.factories import DEFAULT_REPORT, make_case
from tests.staffkit import enrolled, sign_in


@pytest.fixture
def auditor_app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    application = build_app(make_settings(tmp_path, sqlite_database,
                                          rate_limits_enabled=False))
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
    client = _auditor(auditor_app)
    response = client.get("/auditor/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert any(row["case_code"] == code for row in rows)
    assert key not in text
    for field, value in DEFAULT_REPORT.items():
        if field != "category":  # metadata, recorded on purpose
            assert str(value) not in text
    only_case = client.get(f"/auditor/export.csv?case={code}").get_data(as_text=True)
    assert {row["case_code"] for row in csv.DictReader(io.StringIO(only_case))} == {code}


def test_log_page_filters_and_shows_the_chain_result(auditor_app: Flask) -> None:
    client = _auditor(auditor_app)
    page = client.get("/auditor/?tag=staff:login").get_data(as_text=True)
    assert 'id="chain-result"' in page and "Chain verified" in page
    assert "staff:login" in page and "staff:created" not in page
    with auditor_app.app_context():
        db = db_session()
        db.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(tag="system:edited"))
        db.commit()
    assert "FAILED" in client.get("/auditor/").get_data(as_text=True)


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
        figures = statistics(db, date.today())
        assert figures.by_category["gratifikasi"] == 3
    page = _auditor(auditor_app).get("/auditor/statistics").get_data(as_text=True)
    assert "&lt; 5" in page and "<svg" in page and "<script" not in page
    assert ">3<" not in page  # the exact small count never appears


def test_statistics_never_read_sealed_columns(app: Flask, db: Session) -> None:
    enrolled(app, db, "supervisor")
    make_case(app, db)
    db.execute(update(Case).values(report_sealed=b"broken"))
    db.commit()
    assert statistics(db, date.today()).total == 1
