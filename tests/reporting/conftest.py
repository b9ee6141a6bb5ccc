"""Fixtures and helpers for the reporter journey: an app with a supervisor, form helpers."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sipadu.db import db_session
from sipadu.settings import Settings
from tests.conftest import Database, make_settings
from tests.factories import StaffMember, make_staff

KEY_RE = re.compile(r"SPD-[0-9A-Z]{6}(?:-[0-9A-Z]{5}){4}-[0-9A-Z]")
BASE_REPORT = {"category": "pungli", "what": "Petugas meminta uang tambahan di loket."}


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """Most journey tests post often: rate limits off (one test turns them back on)."""
    return make_settings(tmp_path, database, rate_limits_enabled=False, max_file_bytes=64 * 1024,
                         max_files=3)


@dataclass
class Ready:
    """An app ready for reports: a supervisor exists."""

    app: Flask
    supervisor: StaffMember


@pytest.fixture
def ready(app: Flask) -> Ready:
    with app.app_context():
        supervisor = make_staff(app, db_session())
        db_session().commit()
    return Ready(app, supervisor)


def csrf_from(page: TestResponse) -> dict[str, str]:
    """The hidden fields (csrf_token, form_id, case_key) of the page's forms."""
    html = page.get_data(as_text=True)
    return {name: value for name, value in
            re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html)}


def submit(client: FlaskClient, report: Mapping[str, str] | None = None,
           files: list[tuple[bytes, str]] | None = None) -> TestResponse:
    """Fill and send the new report form like a browser (file input last)."""
    hidden = csrf_from(client.get("/laporan"))
    data: dict[str, object] = {**hidden, **(report or BASE_REPORT)}
    data["attachments"] = [(io.BytesIO(content), name) for content, name in files or []]
    return client.post("/laporan", data=data, content_type="multipart/form-data")


def case_key_of(response: TestResponse) -> str:
    """The case key shown on the key page."""
    match = KEY_RE.search(response.get_data(as_text=True))
    assert match, "no case key on the page"
    return match.group(0)


def login(client: FlaskClient, key: str) -> TestResponse:
    """Enter the case key at /kasus."""
    hidden = csrf_from(client.get("/kasus"))
    return client.post("/kasus", data={"csrf_token": hidden["csrf_token"], "case_key": key})


def post_case_form(client: FlaskClient, path: str, data: Mapping[str, object],
                   **kwargs: object) -> TestResponse:
    """Post one of the case page's forms with a fresh CSRF token."""
    hidden = csrf_from(client.get("/kasus/saya"))
    return client.post(path, data={"csrf_token": hidden["csrf_token"], **data}, **kwargs)
