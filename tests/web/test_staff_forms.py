"""The staff, admin and auditor consoles' forms, each submitted as its rendered page makes a
browser send it (tests/support/forms.py), with the effect it is for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sipadu.accounts.models import StaffAccount
from sipadu.admin.service import get_instance_settings
from sipadu.audit.models import AuditEvent
from sipadu.db import db_session
from sipadu.sessions.models import AuthSession
from sipadu.staff.setup import issue_setup_token
from tests.conftest import build_app, make_settings
from tests.support.forms import find_form, submit
from tests.support.instance import Database
from tests.support.staff import Enrolled, enrolled, forget_totp_step, totp_secret


@pytest.fixture
def web_app(tmp_path: Path, database: Database) -> Iterator[Flask]:
    """An app on each backend without per-client limits (the tests sign in often)."""
    application = build_app(make_settings(tmp_path, database, rate_limits_enabled=False))
    yield application
    application.extensions["sipadu.engine"].dispose()


def person_of(app: Flask, role: str) -> Enrolled:
    with app.app_context():
        return enrolled(app, db_session(), role)


def sign_in(client: FlaskClient, person: Enrolled, password: str | None = None) -> None:
    """Sign in through the login page's form."""
    answer = submit(
        client,
        client.get("/staff/login"),
        "/staff/login",
        fill={
            "username": person.username,
            "password": password or person.password,
            "totp": person.code(),
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:400]


def account(app: Flask, username: str) -> StaffAccount:
    with app.app_context():
        db = db_session()
        found = db.scalars(select(StaffAccount).where(StaffAccount.username == username)).one()
        db.expunge(found)
        return found


def test_setup_link_then_enrolment(web_app: Flask) -> None:
    with web_app.app_context():
        token = issue_setup_token(db_session())
        db_session().commit()
    assert token is not None
    client = web_app.test_client()
    password = "kuda-laut-merah-1"
    created = submit(
        client,
        client.get(f"/staff/setup/{token}"),
        f"/staff/setup/{token}",
        fill={"username": "kepala", "password": password, "password2": password},
    )
    assert created.status_code == 303 and created.headers["Location"] == "/staff/enrol"
    admin = account(web_app, "kepala")
    assert admin.role == "admin" and not admin.totp_confirmed
    enrolled_now = submit(
        client,
        client.get("/staff/enrol"),
        "/staff/enrol",
        fill={"password": password, "totp": pyotp.TOTP(totp_secret(web_app, admin)).now()},
    )
    assert enrolled_now.status_code == 303
    assert client.get("/admin/").status_code == 200
    assert account(web_app, "kepala").totp_confirmed


def test_password_change_and_logout(web_app: Flask) -> None:
    person = person_of(web_app, "investigator")
    client = web_app.test_client()
    sign_in(client, person)
    new = "gajah-biru-terbang-9"
    changed = submit(
        client,
        client.get("/staff/password"),
        "/staff/password",
        fill={"old_password": person.password, "new_password": new, "new_password2": new},
    )
    assert changed.status_code == 303
    # The staff layout's logout form ends the session.
    out = submit(client, client.get("/staff/"), "/staff/logout")
    assert out.status_code == 303 and client.get("/staff/").status_code == 303
    with web_app.app_context():
        assert db_session().scalars(select(AuthSession)).first() is None
        forget_totp_step(db_session(), person)
    sign_in(client, person, new)  # the new password opens the account
    assert client.get("/staff/").status_code == 200


def test_admin_creates_mails_resets_and_deactivates_an_account(web_app: Flask) -> None:
    admin = person_of(web_app, "admin")
    client = web_app.test_client()
    sign_in(client, admin)
    page = client.get("/admin/")
    assert "investigator" in find_form(page, "/admin/accounts").choices("role")
    created = submit(
        client,
        page,
        "/admin/accounts",
        fill={"username": "penyidik-baru", "role": "investigator", "email": "penyidik@example.org"},
    )
    # Post, redirect, get: the link page is a GET that shows the link on this view only.
    assert created.status_code == 303
    shown = client.get(created.headers["Location"])
    assert shown.status_code == 200 and "/staff/account-setup/" in shown.get_data(as_text=True)
    again = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "/staff/account-setup/" not in again and 'id="link-shown"' in again
    made = account(web_app, "penyidik-baru")
    assert (made.role, made.email, made.active) == ("investigator", "penyidik@example.org", True)
    assert not made.has_keys  # the owner chooses the password with the setup link

    mailed = submit(
        client,
        client.get("/admin/"),
        f"/admin/accounts/{made.id}/email",
        fill={"email": "ganti@example.org"},
    )
    assert (
        mailed.status_code == 303 and account(web_app, made.username).email == "ganti@example.org"
    )

    reset_page = client.get(f"/admin/accounts/{made.id}/reset")
    reset = submit(client, reset_page, f"/admin/accounts/{made.id}/reset", follow_redirects=True)
    assert reset.status_code == 200 and "/staff/account-setup/" in reset.get_data(as_text=True)
    assert not account(web_app, made.username).has_keys

    # Deactivation is asked once more on its own page; the list links to it.
    assert f'href="/admin/accounts/{made.id}/deactivate"' in client.get("/admin/").get_data(
        as_text=True
    )
    confirm = client.get(f"/admin/accounts/{made.id}/deactivate")
    assert confirm.status_code == 200 and account(web_app, made.username).active
    deactivated = submit(client, confirm, f"/admin/accounts/{made.id}/deactivate")
    assert deactivated.status_code == 303 and not account(web_app, made.username).active
    reactivated = submit(client, client.get("/admin/"), f"/admin/accounts/{made.id}/reactivate")
    assert reactivated.status_code == 303 and account(web_app, made.username).active


def test_admin_settings_checkbox_and_public_texts(web_app: Flask) -> None:
    admin = person_of(web_app, "admin")
    client = web_app.test_client()
    sign_in(client, admin)
    page = client.get("/admin/settings")
    assert find_form(page, "/admin/settings").choices("verification_in_working_days") == ["1"]
    saved = submit(
        client,
        page,
        "/admin/settings",
        fill={"feedback_days": "45"},
        tick={"verification_in_working_days": True},
    )
    assert saved.status_code == 303
    with web_app.app_context():
        policy = get_instance_settings(db_session()).deadlines
    assert policy.verification_in_working_days and policy.feedback_days == 45
    # Saving the page as it now shows keeps the ticked box ticked; unticking clears it.
    submit(client, client.get("/admin/settings"), "/admin/settings")
    with web_app.app_context():
        assert get_instance_settings(db_session()).deadlines.verification_in_working_days
    submit(
        client,
        client.get("/admin/settings"),
        "/admin/settings",
        tick={"verification_in_working_days": False},
    )
    with web_app.app_context():
        assert not get_instance_settings(db_session()).deadlines.verification_in_working_days

    texts = submit(
        client,
        client.get("/admin/texts"),
        "/admin/texts",
        fill={"landing_intro": "<p>Selamat datang <script>x()</script>di SIPADU</p>"},
    )
    assert texts.status_code == 303
    landing = web_app.test_client().get("/").get_data(as_text=True)
    assert "Selamat datang" in landing and "<script" not in landing


def test_auditor_filters_the_log(web_app: Flask) -> None:
    auditor = person_of(web_app, "auditor")
    other = person_of(web_app, "supervisor")
    client = web_app.test_client()
    sign_in(client, other)  # a staff:login event by someone else
    sign_in(client, auditor)
    with web_app.app_context():
        tags = set(db_session().scalars(select(AuditEvent.tag)))
    assert "staff:login" in tags and "audit:viewed" not in tags
    page = client.get("/auditor/")
    shown = submit(
        client, page, "/auditor/", fill={"tag": "staff:login", "actor": f"staff:{other.account_id}"}
    )
    assert shown.status_code == 200
    form = find_form(shown, "/auditor/")
    chosen = {c.name: [v for v, selected in c.options if selected] for c in form.controls}
    assert chosen["tag"] == ["staff:login"]
    assert chosen["actor"] == [f"staff:{other.account_id}"]
    # The rows name the actor by username, the event by its label.
    rows = shown.get_data(as_text=True).split("<tbody>")[1]
    assert f">{other.username}</td>" in rows and f">{auditor.username}</td>" not in rows
    assert "staff:" not in rows


def test_saving_the_admin_pages_unchanged_changes_nothing(web_app: Flask) -> None:
    """What the settings and texts pages show is what they send back: a save without edits
    keeps every value (holidays typed with line breaks, links, emphasis included)."""
    admin = person_of(web_app, "admin")
    client = web_app.test_client()
    sign_in(client, admin)
    submit(
        client,
        client.get("/admin/settings"),
        "/admin/settings",
        fill={
            "holidays": "2027-01-01  # Tahun Baru\n2027-08-17 # HUT RI\n2027-12-25",
            "retention_days": "400",
            "max_file_mib": "20",
            "max_files": "4",
        },
    )
    texts = {
        "landing_intro": '<p>Halo <em>warga</em> & <a href="https://example.org/x">info</a></p>',
        "guidance": "<ul><li>Satu: 1 < 2 &amp; <b>tebal</b></li><li>Dua</li></ul>",
        "privacy_notice": "",
    }
    submit(client, client.get("/admin/texts"), "/admin/texts", fill=texts)
    with web_app.app_context():
        settings_before = get_instance_settings(db_session())
    landing_before = web_app.test_client().get("/").get_data(as_text=True)
    for path in ("/admin/settings", "/admin/texts"):
        assert submit(client, client.get(path), path).status_code == 303
    with web_app.app_context():
        assert get_instance_settings(db_session()) == settings_before
    assert web_app.test_client().get("/").get_data(as_text=True) == landing_before
    assert len(settings_before.holidays) == 3 and settings_before.max_file_mib == 20


def test_every_role_the_account_form_offers_is_accepted(web_app: Flask) -> None:
    admin = person_of(web_app, "admin")
    client = web_app.test_client()
    sign_in(client, admin)
    roles = find_form(client.get("/admin/"), "/admin/accounts").choices("role")
    assert set(roles) == {
        "admin",
        "supervisor",
        "investigator",
        "auditor",
        "intake_officer",
        "custodian",
    }
    for n, role in enumerate(roles):
        created = submit(
            client,
            client.get("/admin/"),
            "/admin/accounts",
            fill={"username": f"akun-{n}", "role": role},
            follow_redirects=True,
        )
        assert created.status_code == 200, role
        assert "/staff/account-setup/" in created.get_data(as_text=True), role
        assert account(web_app, f"akun-{n}").role == role


def test_language_link_right_after_creating_an_account(web_app: Flask) -> None:
    from tests.support.language_link import follow_language_link

    client = web_app.test_client()
    sign_in(client, person_of(web_app, "admin"))
    created = submit(
        client,
        client.get("/admin/"),
        "/admin/accounts",
        fill={"username": "penyidik-bahasa", "role": "investigator", "email": ""},
        follow_redirects=True,
    )
    assert created.status_code == 200
    english = follow_language_link(client, created, "en")
    made = account(web_app, "penyidik-bahasa")
    assert english.status_code == 200 and english.request.path == f"/admin/accounts/{made.id}/link"
    # The link was shown once, in Indonesian; the English page says so, never shows it again.
    text = english.get_data(as_text=True)
    assert '<html lang="en">' in text and "/staff/account-setup/" not in text
    assert 'id="link-shown"' in text


def test_public_texts_warn_only_when_markup_was_removed(web_app: Flask) -> None:
    client = web_app.test_client()
    sign_in(client, person_of(web_app, "admin"))
    plain = submit(
        client,
        client.get("/admin/texts"),
        "/admin/texts",
        fill={"guidance": '<p>Baca <a href="https://example.org">panduan</a><br>ini.</p>'},
        follow_redirects=True,
    )
    said = plain.get_data(as_text=True)
    assert "Teks publik disimpan.<" in said and "Markup yang tidak diizinkan" not in said
    stripped = submit(
        client,
        client.get("/admin/texts"),
        "/admin/texts",
        fill={"guidance": '<p onclick="x()">Baca <b>ini</b></p><!-- catatan -->'},
        follow_redirects=True,
    )
    assert "Markup yang tidak diizinkan telah dihapus" in stripped.get_data(as_text=True)


def test_settings_errors_name_each_wrong_field_and_save_nothing(web_app: Flask) -> None:
    client = web_app.test_client()
    sign_in(client, person_of(web_app, "admin"))
    with web_app.app_context():
        before = get_instance_settings(db_session())
    refused = submit(
        client,
        client.get("/admin/settings"),
        "/admin/settings",
        fill={"retention_days": "sepuluh", "max_files": "99", "feedback_days": "30"},
    )
    assert refused.status_code == 400
    errors = refused.get_data(as_text=True).split('id="form-error"')[1].split("</ul>")[0]
    assert "Masa simpan setelah diarsipkan (hari)" in errors and "30 sampai 3650" in errors
    assert "Lampiran per unggahan" in errors and "1 sampai 50" in errors
    assert errors.count("<li>") == 2  # the right fields are not blamed
    with web_app.app_context():
        assert get_instance_settings(db_session()) == before


def test_the_waiting_setup_link_opens_only_for_the_admin_session_that_made_it(
    web_app: Flask,
) -> None:
    """The link waits for its page in the session cookie, sealed under the admin's staff
    session: the cookie carried to another signed-in admin shows nothing."""
    maker, other = web_app.test_client(), web_app.test_client()
    sign_in(maker, person_of(web_app, "admin"))
    with web_app.app_context():
        second = enrolled(web_app, db_session(), "admin")
    sign_in(other, second)
    created = submit(
        maker,
        maker.get("/admin/"),
        "/admin/accounts",
        fill={"username": "penyidik-rahasia", "role": "investigator"},
    )
    assert created.status_code == 303
    carried = maker.get_cookie("sipadu")
    assert carried is not None and "account-setup" not in carried.value
    other.set_cookie("sipadu", carried.value)
    stolen = other.get(created.headers["Location"]).get_data(as_text=True)
    assert "/staff/account-setup/" not in stolen and 'id="link-shown"' in stolen


def test_the_setup_link_is_shown_once_over_https(tmp_path: Path, sqlite_database: Database) -> None:
    """Over HTTPS the staff cookie is ``__Host-`` prefixed; the link's page must still find the
    admin's session (it read the unprefixed cookie and showed nothing)."""
    app = build_app(
        make_settings(
            tmp_path, sqlite_database, rate_limits_enabled=False, base_url="https://sipadu.example"
        )
    )
    # The test client's requests (and so its cookie jar) go to https://sipadu.example.
    app.config.update(PREFERRED_URL_SCHEME="https", SERVER_NAME="sipadu.example")
    admin = app.test_client()
    # Flask-WTF checks the Referer of a form posted over HTTPS, as a browser sends it.
    admin.environ_base["HTTP_REFERER"] = "https://sipadu.example/"
    sign_in(admin, person_of(app, "admin"))
    assert admin.get_cookie("__Host-sipadu_staff", domain="sipadu.example") is not None
    created = submit(
        admin,
        admin.get("/admin/"),
        "/admin/accounts",
        fill={"username": "penyidik-https", "role": "investigator"},
    )
    assert created.status_code == 303
    shown = admin.get(created.headers["Location"]).get_data(as_text=True)
    assert "https://sipadu.example/staff/account-setup/" in shown
    app.extensions["sipadu.engine"].dispose()
