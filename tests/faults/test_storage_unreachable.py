"""The S3 blob store cannot be reached while a report with files arrives (HTML form and
API): a clear bilingual 503, never a 500, and nothing is kept."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from flask import Flask

from sipadu.db import db_session
from sipadu.keyring import S3Credentials
from sipadu.settings import S3Settings
from tests.conftest import build_app, make_settings
from tests.faults.conftest import closed_port, report_multipart, stored_state
from tests.reporting.conftest import BASE_REPORT
from tests.support.csrf import hidden_fields
from tests.support.factories import make_staff
from tests.support.instance import Database

ID_TEXT = "Penyimpanan berkas layanan sedang tidak dapat dijangkau"
EN_TEXT = "file storage cannot be reached"
SECRET = "secret-that-must-not-show-4b1d"


@pytest.fixture
def unreachable_app(tmp_path: Path, database: Database) -> Flask:
    """An app whose S3 store listens nowhere (connections are refused)."""
    s3 = S3Settings(
        "sipadu-blobs", S3Credentials("AKIDUNSEEN", SECRET), f"http://127.0.0.1:{closed_port()}"
    )
    app = build_app(
        make_settings(tmp_path, database, rate_limits_enabled=False, blob_store="s3", s3=s3)
    )
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    return app


def _state(app: Flask) -> tuple[int, int, int]:
    """(cases, attachments, audit events): the store itself cannot be listed."""
    app.extensions["sipadu.blobs"].blob_ids = lambda: iter(())
    cases, files, events, _referenced, _stored = stored_state(app)
    return cases, files, events


def test_form_report_with_a_file_is_a_bilingual_503(
    unreachable_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = unreachable_app.test_client()
    hidden = hidden_fields(client.get("/laporan"))
    state = _state(unreachable_app)
    with caplog.at_level(logging.WARNING):
        page = client.post(
            "/laporan",
            content_type="multipart/form-data",
            data={
                **hidden,
                **BASE_REPORT,
                "attachments": [(io.BytesIO(b"bukti" * 100), "b.pdf")],
            },
        )
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    html = page.get_data(as_text=True)
    assert ID_TEXT in html and EN_TEXT in html
    assert "SPD-" not in html  # no case key was handed out
    assert _state(unreachable_app) == state
    assert SECRET not in caplog.text and "AKIDUNSEEN" not in caplog.text


def test_api_report_with_a_file_is_a_503_naming_the_problem(unreachable_app: Flask) -> None:
    client = unreachable_app.test_client()
    state = _state(unreachable_app)
    answer = client.post(
        "/api/v1/reports",
        content_type="multipart/form-data",
        data=report_multipart("Penyimpanan tak terjangkau."),
    )
    assert answer.status_code == 503
    error = answer.get_json()["error"]
    assert error["code"] == "unavailable"
    assert ID_TEXT in error["message"] or EN_TEXT in error["message"]
    assert _state(unreachable_app) == state
