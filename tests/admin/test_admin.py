"""The admin console: sanitised public texts, settings, accounts (create, reset, deactivate)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.admin.service import (
    InstanceSettings,
    get_instance_settings,
    sanitize_html,
    save_instance_settings,
)
from sipadu.app_context import current_settings
from sipadu.cases.deadlines import DeadlinePolicy
from sipadu.db import db_session
from tests.conftest import build_app, make_settings
from tests.support.csrf import csrf_token
from tests.support.factories import make_case
from tests.support.forms import submit
from tests.support.instance import Database
from tests.support.staff import Enrolled, enrolled, sign_in


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p onclick="x()">t</p>',
        '<a href="javascript:alert(1)">x</a>',
        '<img src=x onerror="y()">',
        '<a href="data:text/html,hi">x</a>',
        '<iframe src="https://a"></iframe>',
        '<p style="color:red">t</p>',
    ],
)
def test_bleach_strips_dangerous_markup(dirty: str) -> None:
    clean = sanitize_html(dirty)
    for bad in (
        "<script",
        "<style",
        "onclick",
        "javascript:",
        "onerror",
        "data:",
        "<iframe",
        "style=",
    ):
        assert bad not in clean


def test_allowed_markup_survives_and_links_get_rel() -> None:
    clean = sanitize_html(
        "<p><strong>a</strong> <em>b</em></p><ul><li>c</li></ul>"
        '<a href="https://example.org/x" target="_blank">d</a>'
    )
    assert "<strong>a</strong>" in clean and "<li>c</li>" in clean
    assert 'rel="noopener noreferrer"' in clean and "target" not in clean


def test_settings_round_trip_on_both_databases(app: Flask, db: Session) -> None:
    assert get_instance_settings(db).retention_days == 365
    keyring = current_settings(app).keyring
    assert keyring is not None
    values = InstanceSettings(
        deadlines=DeadlinePolicy(acknowledge_working_days=5),
        holidays={date(2027, 1, 1): "Tahun Baru"},
        retention_days=400,
        max_file_mib=20,
        max_files=3,
    )
    save_instance_settings(db, values, audit_key=keyring.audit_hmac_key, actor="cli")
    db.commit()
    loaded = get_instance_settings(db)
    assert loaded == values and date(2027, 1, 1) in loaded.holiday_dates


@pytest.fixture
def admin_app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    application = build_app(make_settings(tmp_path, sqlite_database, rate_limits_enabled=False))
    yield application
    application.extensions["sipadu.engine"].dispose()


def _admin(app: Flask) -> tuple[FlaskClient, Enrolled]:
    with app.app_context():
        person = enrolled(app, db_session(), "admin")
    client = app.test_client()
    client.get("/bahasa/en")  # assertions below read the English texts
    assert sign_in(client, person).status_code == 303
    return client, person


def test_public_texts_are_sanitised_and_shown_on_the_landing_page(admin_app: Flask) -> None:
    client, _ = _admin(admin_app)
    response = submit(
        client,
        client.get("/admin/texts"),
        "/admin/texts",
        fill={
            "landing_intro": "<p>Halo <script>alert(1)</script>warga</p>",
            "guidance": '<a href="javascript:alert(1)">klik</a>',
            "privacy_notice": "",
        },
    )
    assert response.status_code == 303
    landing = admin_app.test_client().get("/").get_data(as_text=True)
    assert "<p>Halo alert(1)warga</p>" in landing or "<p>Halo warga</p>" in landing
    assert "<script" not in landing and "javascript:" not in landing
    assert 'id="custom-privacy-notice"' not in landing


def test_settings_form_refuses_bad_input_with_messages(admin_app: Flask) -> None:
    client, _ = _admin(admin_app)

    def save(**fill: str) -> int:
        """The settings page as shown, with ``fill`` typed in (number fields take any text
        in browsers without number inputs)."""
        page = client.get("/admin/settings")
        return submit(client, page, "/admin/settings", fill=fill).status_code

    bad = submit(
        client,
        client.get("/admin/settings"),
        "/admin/settings",
        fill={"holidays": "2027-02-30\nbukan tanggal"},
    )
    assert bad.status_code == 400 and "2" in bad.get_data(as_text=True)
    assert save(holidays="2027-01-01  # Tahun Baru", retention_days="-1") == 400
    assert save(holidays="2027-01-01  # Tahun Baru", retention_days="abc") == 400
    assert save(holidays="2027-01-01  # Tahun Baru", retention_days="500") == 303
    with admin_app.app_context():
        assert get_instance_settings(db_session()).retention_days == 500


def test_accounts_create_reset_and_deactivate(admin_app: Flask) -> None:
    client, admin = _admin(admin_app)
    token = csrf_token(client, "/admin/")
    created = client.post(
        "/admin/accounts",
        data={
            "csrf_token": token,
            "username": "irban-1",
            "role": "investigator",
            "email": "irban@example.org",
        },
        follow_redirects=True,
    )
    assert created.status_code == 200 and "/staff/account-setup/" in created.get_data(as_text=True)
    with admin_app.app_context():
        db = db_session()
        person = enrolled(admin_app, db, "supervisor")
        make_case(admin_app, db)
        target = db.get(StaffAccount, person.account_id)
        assert target is not None
    reset_page = client.get(f"/admin/accounts/{person.account_id}/reset")
    assert "grant those cases again" in reset_page.get_data(as_text=True)
    reset = client.post(
        f"/admin/accounts/{person.account_id}/reset",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "1 case grants" in reset.get_data(as_text=True)
    assert "/staff/account-setup/" in reset.get_data(as_text=True)
    own = client.post(
        f"/admin/accounts/{admin.account_id}/deactivate",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "cannot deactivate your own" in own.get_data(as_text=True)
    client.post(f"/admin/accounts/{person.account_id}/deactivate", data={"csrf_token": token})
    with admin_app.app_context():
        db = db_session()
        irban = db.scalars(select(StaffAccount).where(StaffAccount.username == "irban-1")).one()
        assert irban.email == "irban@example.org" and irban.role == "investigator"
        target = db.get(StaffAccount, person.account_id)
        assert target is not None and not target.active


def test_admin_pages_have_no_route_to_case_content(admin_app: Flask) -> None:
    endpoints = [
        rule.endpoint
        for rule in admin_app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
    ]
    assert endpoints and not any("case" in endpoint for endpoint in endpoints)
