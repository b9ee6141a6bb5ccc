"""Staff sign-in in the browser flow (test client): login, enrolment, setup, logout, roles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from sipadu.accounts.models import StaffAccount
from sipadu.db import db_session
from sipadu.sessions.models import AuthSession
from sipadu.staff.setup import issue_setup_token
from tests.conftest import build_app, make_settings
from tests.support import forms
from tests.support.csrf import csrf_token
from tests.support.instance import Database
from tests.support.staff import enrolled, forget_totp_step, sign_in, totp_secret


@pytest.fixture
def web_app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    """SQLite app without per-client limits (tests sign in many times a minute)."""
    application = build_app(make_settings(tmp_path, sqlite_database, rate_limits_enabled=False))
    yield application
    application.extensions["sipadu.engine"].dispose()


def _cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("sipadu_staff")
    return cookie.value if cookie else None


def test_login_sets_a_fresh_session_each_time(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
    client = web_app.test_client()
    first = sign_in(client, person)
    assert first.status_code == 303 and first.headers["Location"] == "/staff/"
    token1 = _cookie(client)
    assert client.get("/staff/").status_code == 200
    second = sign_in(client, person, person.code(steps_ahead=1))
    assert second.status_code == 303
    token2 = _cookie(client)
    assert token1 and token2 and token1 != token2
    with web_app.app_context():
        rows = list(db_session().scalars(select(AuthSession)))
    assert len(rows) == 1  # the old session was ended, not left behind


def test_unknown_user_and_wrong_password_look_the_same(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
    client = web_app.test_client()
    token = csrf_token(client)
    answers = []
    for username, password in ((person.username, "salah-sekali-pw"), ("hantu", "salah-sekali")):
        response = client.post(
            "/staff/login",
            data={
                "csrf_token": token,
                "username": username,
                "password": password,
                "totp": "123456",
            },
        )
        page = response.get_data(as_text=True)
        answers.append((response.status_code, re.sub(r'value="[^"]*"', "", page)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401


def test_throttled_login_looks_like_a_failed_one(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
    client = web_app.test_client()
    token = csrf_token(client)
    for _ in range(4):
        client.post(
            "/staff/login",
            data={
                "csrf_token": token,
                "username": person.username,
                "password": "salah-sekali-pw",
                "totp": "1",
            },
        )
    response = sign_in(client, person)
    unknown = client.post(
        "/staff/login",
        data={
            "csrf_token": token,
            "username": "tidak-ada-orangnya",
            "password": person.password,
            "totp": "123456",
        },
    )
    assert response.status_code == unknown.status_code == 401
    assert "Retry-After" not in response.headers
    assert "pauses for a few minutes" in response.text or "jeda" in response.text


def test_idle_session_expires(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
    client = web_app.test_client()
    sign_in(client, person)
    with web_app.app_context():
        db = db_session()
        db.execute(
            update(AuthSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
        )
        db.commit()
    response = client.get("/staff/")
    assert response.status_code == 303 and "/staff/login" in response.headers["Location"]


def test_logout_deletes_the_session_and_needs_csrf(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
    client = web_app.test_client()
    sign_in(client, person)
    assert client.post("/staff/logout").status_code == 400  # no CSRF token
    response = client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    assert response.status_code == 303
    with web_app.app_context():
        assert db_session().scalars(select(AuthSession)).first() is None
    assert client.get("/staff/").status_code == 303


def test_forged_cookie_is_not_a_session(web_app: Flask) -> None:
    client = web_app.test_client()
    client.set_cookie("sipadu_staff", "forged-token-value")
    assert client.get("/staff/").status_code == 303


def test_enrolment_shows_qr_and_secret_and_needs_a_code(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session(), confirmed=False)
    client = web_app.test_client()
    response = sign_in(client, person, "")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/enrol"
    assert _cookie(client) is None  # no session before TOTP is confirmed
    page = client.get("/staff/enrol").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert shown and shown.group(1).replace(" ", "") == person.secret
    token = csrf_token(client, "/staff/enrol")
    bad = client.post(
        "/staff/enrol", data={"csrf_token": token, "password": person.password, "totp": "000000"}
    )
    assert bad.status_code == 401 and _cookie(client) is None
    good = client.post(
        "/staff/enrol",
        data={"csrf_token": token, "password": person.password, "totp": person.code()},
    )
    assert good.status_code == 303 and _cookie(client)
    assert client.get("/staff/").status_code == 200


def test_enrolment_page_without_a_password_check_redirects(web_app: Flask) -> None:
    assert web_app.test_client().get("/staff/enrol").status_code == 303


def test_first_run_token_works_once_and_expires(web_app: Flask) -> None:
    with web_app.app_context():
        db = db_session()
        old = issue_setup_token(db, now=datetime.now(UTC) - timedelta(hours=2))
        token = issue_setup_token(db)
        db.commit()
    client = web_app.test_client()
    assert client.get(f"/staff/setup/{old}").status_code == 404
    assert client.get("/staff/setup/guess").status_code == 404
    form = {
        "csrf_token": csrf_token(client, f"/staff/setup/{token}"),
        "username": "kepala",
        "password": "kuda-laut-merah-1",
        "password2": "kuda-laut-merah-2",
    }
    assert client.post(f"/staff/setup/{token}", data=form).status_code == 400
    form["password2"] = form["password"] = "pendek"
    weak = client.post(f"/staff/setup/{token}", data=form)
    assert weak.status_code == 400 and "12" in weak.get_data(as_text=True)
    form["password2"] = form["password"] = "kuda-laut-merah-1"
    done = client.post(f"/staff/setup/{token}", data=form)
    assert done.status_code == 303 and done.headers["Location"] == "/staff/enrol"
    assert client.get(f"/staff/setup/{token}").status_code == 404
    with web_app.app_context():
        db = db_session()
        admin = db.scalars(select(StaffAccount)).one()
        assert admin.role == "admin" and not admin.totp_confirmed
        assert issue_setup_token(db) is None  # never again once an account exists
        code = pyotp.TOTP(totp_secret(web_app, admin)).now()
    enrol = client.post(
        "/staff/enrol",
        data={
            "csrf_token": csrf_token(client, "/staff/enrol"),
            "password": "kuda-laut-merah-1",
            "totp": code,
        },
    )
    assert enrol.status_code == 303 and client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("role", "admin", "auditor"),
    [
        ("admin", 200, 403),
        ("auditor", 403, 200),
        ("supervisor", 403, 403),
        ("investigator", 403, 403),
    ],
)
def test_console_role_gates(web_app: Flask, role: str, admin: int, auditor: int) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session(), role)
    client = web_app.test_client()
    sign_in(client, person)
    for path in ("/admin/", "/admin/settings", "/admin/texts"):
        assert client.get(path).status_code == admin, path
    for path in ("/auditor/", "/auditor/statistics", "/auditor/export.csv"):
        assert client.get(path).status_code == auditor, path


def test_anonymous_visitors_are_sent_to_sign_in(web_app: Flask) -> None:
    client = web_app.test_client()
    for path in ("/admin/", "/auditor/", "/auditor/export.csv", "/staff/password"):
        response = client.get(path)
        assert response.status_code == 303 and "/staff/login" in response.headers["Location"]


def test_password_change_page_ends_other_sessions(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
    other, mine = web_app.test_client(), web_app.test_client()
    sign_in(other, person)
    with web_app.app_context():
        forget_totp_step(db_session(), person)
    sign_in(mine, person)
    token = csrf_token(mine, "/staff/password")
    weak = mine.post(
        "/staff/password",
        data={
            "csrf_token": token,
            "old_password": person.password,
            "new_password": "abc",
            "new_password2": "abc",
        },
    )
    assert weak.status_code == 400
    ok = mine.post(
        "/staff/password",
        data={
            "csrf_token": token,
            "old_password": person.password,
            "new_password": "gajah-biru-terbang-9",
            "new_password2": "gajah-biru-terbang-9",
        },
    )
    assert ok.status_code == 303
    assert mine.get("/staff/").status_code == 200
    assert other.get("/staff/").status_code == 303


def test_next_parameter_cannot_leave_the_site(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
    client = web_app.test_client()
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(client),
            "username": person.username,
            "password": person.password,
            "totp": person.code(),
            "next": "//evil.example/",
        },
    )
    assert response.headers["Location"] == "/staff/"


@pytest.mark.parametrize("role", ["supervisor", "investigator", "auditor"])
def test_admin_actions_are_refused_to_other_roles(web_app: Flask, role: str) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session(), role)
        victim = enrolled(web_app, db_session(), "supervisor")
    client = web_app.test_client()
    sign_in(client, person)
    assert client.get("/staff/").status_code == 200
    token = csrf_token(client, "/staff/password")
    for path in (
        "/admin/accounts",
        f"/admin/accounts/{victim.account_id}/deactivate",
        f"/admin/accounts/{victim.account_id}/reset",
        f"/admin/accounts/{victim.account_id}/email",
        "/admin/settings",
        "/admin/texts",
    ):
        response = client.post(path, data={"csrf_token": token, "password": "x" * 20})
        assert response.status_code == 403, path
    with web_app.app_context():
        account = db_session().get(StaffAccount, victim.account_id)
        assert account is not None and account.active


def test_staff_session_cookie_ends_with_the_browser(web_app: Flask) -> None:
    """No Max-Age or Expires: on a shared office computer the cookie goes when the browser
    closes (the server ends the session after 30 idle minutes anyway)."""
    with web_app.app_context():
        person = enrolled(web_app, db_session(), "investigator")
    response = sign_in(web_app.test_client(), person)
    assert response.status_code == 303
    staff_cookies = [
        c
        for c in response.headers.getlist("Set-Cookie")
        if c.startswith(("sipadu_staff=", "__Host-sipadu_staff="))
    ]
    assert staff_cookies, response.headers.getlist("Set-Cookie")
    for cookie in staff_cookies:
        assert "max-age" not in cookie.lower() and "expires" not in cookie.lower(), cookie


def test_a_wrong_code_keeps_the_username_but_not_the_secrets(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
    client = web_app.test_client()
    refused = forms.submit(
        client,
        client.get("/staff/login"),
        fill={"username": person.username, "password": person.password, "totp": "000000"},
    )
    assert refused.status_code == 401
    shown = {c.name: c.value for c in forms.find_form(refused).controls}
    assert shown["username"] == person.username
    assert shown["password"] == "" and shown["totp"] == ""
