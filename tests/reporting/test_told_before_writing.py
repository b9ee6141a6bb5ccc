"""A reporter learns before writing that the service cannot take reports yet, and a refused
(rate-limited) report says how long to wait and that Back keeps the text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from sipadu.db import db_session
from tests.conftest import build_app, make_settings
from tests.reporting.conftest import Ready, submit
from tests.support.clock import pin_limiter_clock
from tests.support.factories import make_staff
from tests.support.instance import Database

NOT_READY_ID = "SIPADU belum dapat menerima laporan"


def test_report_form_warns_while_no_one_could_read_a_report(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/laporan")
    assert page.status_code == 200 and NOT_READY_ID in page.get_data(as_text=True)
    client.get("/bahasa/en")
    assert "SIPADU cannot receive reports yet" in client.get("/laporan").get_data(as_text=True)
    assert submit(client).status_code == 503  # what the notice announced


def test_report_form_has_no_warning_once_a_supervisor_exists(ready: Ready) -> None:
    assert NOT_READY_ID not in ready.app.test_client().get("/laporan").get_data(as_text=True)


def _expected_wait(seconds: int, minute: str, second: str) -> str:
    return f"{-(-seconds // 60)} {minute}" if seconds >= 60 else f"{seconds} {second}"


def test_rate_limit_page_says_how_long_and_that_back_keeps_the_text(
    tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_limiter_clock(monkeypatch)
    app = build_app(make_settings(tmp_path, sqlite_database))
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    client = app.test_client()
    answers = [submit(client) for _ in range(6)]
    refused = answers[-1]
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    html = refused.get_data(as_text=True)
    assert "Silakan tunggu " + _expected_wait(seconds, "menit", "detik") in html
    assert "Tombol Kembali (Back)" in html
    unit = "minute" if seconds >= 60 else "second"
    assert "Please wait " + _expected_wait(seconds, unit, unit) in html  # the other language
    assert "Back button returns you to the form" in html
    app.extensions["sipadu.engine"].dispose()


def test_rate_limited_api_client_is_told_the_wait_without_a_back_button(
    tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_limiter_clock(monkeypatch)
    app = build_app(make_settings(tmp_path, sqlite_database))
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    client = app.test_client()
    body = {"report": json.dumps({"category": "pungli", "what": "Pungutan di loket."})}
    answers = [
        client.post("/api/v1/reports", data=body, content_type="multipart/form-data")
        for _ in range(6)
    ]
    refused = answers[-1]
    assert refused.status_code == 429 and refused.is_json
    text = json.dumps(refused.get_json(), ensure_ascii=False)
    assert "tunggu" in text or "wait" in text
    assert "Back" not in text and "Kembali" not in text and "browser" not in text.lower()
    app.extensions["sipadu.engine"].dispose()
