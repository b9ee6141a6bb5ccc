"""Fixtures and helpers for the reporter journey: an app with a supervisor, form helpers."""

from __future__ import annotations

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
from tests.conftest import make_settings
from tests.support import forms
from tests.support.csrf import hidden_fields
from tests.support.factories import StaffMember, make_staff
from tests.support.instance import Database

KEY_RE = re.compile(r"SPD-[0-9A-Z]{6}(?:-[0-9A-Z]{5}){4}-[0-9A-Z]")
BASE_REPORT = {"category": "pungli", "what": "Petugas meminta uang tambahan di loket."}


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """Most journey tests post often: rate limits off (one test turns them back on)."""
    return make_settings(
        tmp_path, database, rate_limits_enabled=False, max_file_bytes=64 * 1024, max_files=3
    )


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


def submit(
    client: FlaskClient,
    report: Mapping[str, str] | None = None,
    files: list[tuple[bytes, str]] | None = None,
) -> TestResponse:
    """Fill and send the new report form as its rendered page makes a browser send it."""
    return forms.submit(
        client,
        client.get("/laporan"),
        "/laporan",
        fill=report or BASE_REPORT,
        files={"attachments": list(files)} if files else None,
    )


def forge_report(client: FlaskClient, report: Mapping[str, str]) -> TestResponse:
    """Post the report form with values its page cannot send (a choice it does not offer,
    a field it does not have), as a forged request would, with a valid CSRF token."""
    hidden = hidden_fields(client.get("/laporan"))
    data: dict[str, object] = {**hidden, **report, "attachments": []}
    return client.post("/laporan", data=data, content_type="multipart/form-data")


def case_key_of(response: TestResponse) -> str:
    """The case key shown on the key page."""
    match = KEY_RE.search(response.get_data(as_text=True))
    assert match, "no case key on the page"
    return match.group(0)


def login(client: FlaskClient, key: str) -> TestResponse:
    """Enter the case key on /kasus."""
    return forms.submit(client, client.get("/kasus"), "/kasus", fill={"case_key": key})


def post_case_form(
    client: FlaskClient,
    path: str,
    fill: Mapping[str, str] | None = None,
    files: list[tuple[bytes, str]] | None = None,
) -> TestResponse:
    """Submit the case page's form for ``path`` as the rendered page sends it."""
    return forms.submit(
        client,
        client.get("/kasus/saya"),
        path,
        fill=fill,
        files={"attachments": list(files)} if files else None,
    )


def forge_case_form(client: FlaskClient, path: str, data: Mapping[str, object]) -> TestResponse:
    """Post to a case action the page does not offer right now (a forged or stale form)."""
    hidden = hidden_fields(client.get("/kasus/saya"))
    return client.post(path, data={"csrf_token": hidden["csrf_token"], **data})
