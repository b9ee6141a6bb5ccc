"""One upload limit: the admin's saved value (else the environment's) both refuses a file and
is the limit every hint and refusal names to the reporter."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sipadu.db import db_session
from sipadu.reporting.upload_limits import format_size
from sipadu.settings import Settings
from tests.conftest import make_settings
from tests.reporting.conftest import KEY_RE, Ready
from tests.support.forms import submit
from tests.support.instance import Database
from tests.support.staff import enrolled

MIB = 1024 * 1024
TWO_MIB = b"x" * (2 * MIB)


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """The environment's limit is the default 100 MB; rate limits off."""
    return make_settings(tmp_path, database, rate_limits_enabled=False)


def admin_sets_file_limit(app: Flask, mib: str) -> None:
    """An admin signs in and saves the settings form with a new file limit."""
    with app.app_context():
        admin = enrolled(app, db_session(), "admin")
    client = app.test_client()
    signed_in = submit(
        client,
        client.get("/staff/login"),
        "/staff/login",
        fill={"username": admin.username, "password": admin.password, "totp": admin.code()},
    )
    assert signed_in.status_code == 303
    page = client.get("/admin/settings")
    assert 'name="max_file_mib"' in page.get_data(as_text=True)
    saved = submit(client, page, "/admin/settings", fill={"max_file_mib": mib})
    assert saved.status_code == 303, saved.get_data(as_text=True)


def test_the_admins_limit_refuses_and_is_the_one_named(ready: Ready) -> None:
    app = ready.app
    admin_sets_file_limit(app, "1")
    reporter: FlaskClient = app.test_client()
    form_page = reporter.get("/laporan")
    hint = "masing-masing hingga 1 MB."
    assert hint in form_page.get_data(as_text=True)
    refused = submit(
        reporter,
        form_page,
        "/laporan",
        fill={"category": "pungli", "what": "Petugas meminta uang tambahan di loket."},
        files={"attachments": (TWO_MIB, "bukti.pdf")},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code in (413, 422)
    assert "Berkas ini lebih besar dari batas 1 MB." in page
    assert "100 MB" not in page and hint in page
    # The JSON API names the same limit.
    answer = reporter.post(
        "/api/v1/reports",
        content_type="multipart/form-data",
        data={
            "report": json.dumps({"category": "pungli", "what": "Uang tambahan di loket."}),
            "attachments": [(io.BytesIO(TWO_MIB), "bukti.pdf")],
        },
    )
    assert answer.status_code == 413
    error = answer.get_json()["error"]
    assert error["message"] == "Berkas ini lebih besar dari batas 1 MB."
    assert error["files"][0]["reason"] == "too_large"


def test_the_evidence_form_names_the_admins_limit(ready: Ready) -> None:
    app = ready.app
    reporter: FlaskClient = app.test_client()
    filed = submit(
        reporter,
        reporter.get("/laporan"),
        "/laporan",
        fill={"category": "pungli", "what": "Petugas meminta uang tambahan di loket."},
    )
    key = KEY_RE.search(filed.get_data(as_text=True))
    assert key is not None
    admin_sets_file_limit(app, "1")
    case = submit(
        reporter,
        reporter.get("/kasus"),
        "/kasus",
        fill={"case_key": key.group(0)},
        follow_redirects=True,
    )
    assert "masing-masing hingga 1 MB." in case.get_data(as_text=True)
    refused = submit(
        reporter, case, "/kasus/saya/bukti", files={"attachments": (TWO_MIB, "bukti.pdf")}
    )
    assert "Berkas ini lebih besar dari batas 1 MB." in refused.get_data(as_text=True)
    # A file sent as the whole body of an API request is told the same limit.
    body = app.test_client().post(
        "/api/v1/case/attachments",
        data=TWO_MIB,
        content_type="application/octet-stream",
        headers={
            "Authorization": f"CaseKey {key.group(0)}",
            "Content-Disposition": 'attachment; filename="rekaman.mp4"',
        },
    )
    assert body.status_code == 413
    assert body.get_json()["error"]["message"] == "Berkas ini lebih besar dari batas 1 MB."


def test_without_saved_settings_the_environment_decides(tmp_path: Path, database: Database) -> None:
    from tests.conftest import build_app
    from tests.support.factories import make_staff

    app = build_app(
        make_settings(
            tmp_path, database, rate_limits_enabled=False, max_file_bytes=64 * 1024, max_files=3
        )
    )
    try:
        with app.app_context():
            make_staff(app, db_session())
            db_session().commit()
        reporter = app.test_client()
        page = reporter.get("/laporan")
        assert "Paling banyak 3 berkas, masing-masing hingga 64 KB." in page.get_data(as_text=True)
        refused = submit(
            reporter,
            page,
            "/laporan",
            fill={"category": "pungli", "what": "Uang tambahan."},
            files={"attachments": (b"x" * (65 * 1024), "a.pdf")},
        )
        assert "Berkas ini lebih besar dari batas 64 KB." in refused.get_data(as_text=True)
    finally:
        app.extensions["sipadu.engine"].dispose()


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (MIB, "1 MB"),
        (100 * MIB, "100 MB"),
        (MIB + MIB // 2, "1,5 MB"),
        (MIB + 1, "1 MB"),
        (2 * MIB - 1, "1,9 MB"),
        (64 * 1024, "64 KB"),
        (1000, "1 KB"),
    ],
)
def test_sizes_are_shown_in_one_style_never_rounded_up(
    sqlite_app: Flask, size: int, shown: str
) -> None:
    with sqlite_app.test_request_context():
        assert format_size(size) == shown


def test_the_admin_form_starts_from_the_limits_in_force(tmp_path: Path, database: Database) -> None:
    """Before any save the form shows the environment's limits, so saving another setting
    does not quietly replace them with built-in ones."""
    from tests.conftest import build_app
    from tests.support.factories import make_staff

    app = build_app(
        make_settings(
            tmp_path, database, rate_limits_enabled=False, max_file_bytes=20 * MIB, max_files=4
        )
    )
    try:
        with app.app_context():
            make_staff(app, db_session())
            db_session().commit()
        admin_sets_retention(app, "400")
        hint = "Paling banyak 4 berkas, masing-masing hingga 20 MB."
        assert hint in app.test_client().get("/laporan").get_data(as_text=True)
    finally:
        app.extensions["sipadu.engine"].dispose()


def admin_sets_retention(app: Flask, days: str) -> None:
    with app.app_context():
        admin = enrolled(app, db_session(), "admin")
    client = app.test_client()
    submit(
        client,
        client.get("/staff/login"),
        "/staff/login",
        fill={"username": admin.username, "password": admin.password, "totp": admin.code()},
    )
    page = client.get("/admin/settings")
    html = page.get_data(as_text=True)
    assert 'name="max_file_mib" type="number" min="1" max="1024" value="20"' in html
    assert 'name="max_files" type="number" min="1" max="50" value="4"' in html
    assert submit(client, page, "/admin/settings", fill={"retention_days": days}).status_code == 303
