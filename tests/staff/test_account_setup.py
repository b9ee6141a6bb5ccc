"""Accounts are completed by their owner alone: an admin never sets or learns a password,
and a setup link works once, expires, and dies when the account is reset."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pyotp
from flask import Flask
from sqlalchemy import select

from sipadu.accounts.models import StaffAccount
from sipadu.audit.models import AuditEvent
from sipadu.cases.models import CaseGrant
from sipadu.db import db_session
from sipadu.staff.accounts import create_pending_account
from tests.staff.accountkit import audit_key as _audit_key
from tests.staff.accountkit import (  # noqa: F401  (settings: fixture)
    complete_link,
    create_in_console,
    link_token,
    settings,
    signed_in,
    submit_with_forged,
)
from tests.support.factories import make_case
from tests.support.forms import all_forms, find_form, submit

FORGED = "admin-pilihan-Rahasia-1"


def _account(app: Flask, username: str) -> StaffAccount:
    with app.app_context():
        return (
            db_session()
            .scalars(select(StaffAccount).where(StaffAccount.username == username))
            .one()
        )


def _login(app: Flask, username: str, password: str, code: str = "000000") -> int:
    client = app.test_client()
    return submit(
        client,
        client.get("/staff/login"),
        "/staff/login",
        fill={"username": username, "password": password, "totp": code},
    ).status_code


def test_admin_create_form_has_no_password_and_a_forged_one_changes_nothing(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    page = admin.get("/admin/")
    assert all("password" not in form.names() for form in all_forms(page))
    token = create_in_console(admin, "verifikator", "supervisor", forged={"password": FORGED})
    account = _account(app, "verifikator")
    assert not account.has_keys and account.password_hash == "" and account.public_key == b""
    assert _login(app, "verifikator", FORGED) == 401
    shown = admin.get("/admin/").get_data(as_text=True)
    assert token not in shown and FORGED not in shown
    owner = complete_link(app, token)
    assert owner.password != FORGED
    assert _login(app, "verifikator", FORGED) == 401


def test_link_page_says_how_long_it_lives_and_the_link_works_only_once(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    shown = submit(
        admin,
        admin.get("/admin/"),
        "/admin/accounts",
        fill={"username": "irban", "role": "investigator"},
        follow_redirects=True,
    )
    text = shown.get_data(as_text=True)
    assert "72 hours" in text and "works once" in text
    assert "no-store" in shown.headers.get("Cache-Control", "")
    token = link_token(text)
    complete_link(app, token)
    again = app.test_client().get(f"/staff/account-setup/{token}")
    assert again.status_code == 404


def test_wrong_used_and_expired_links_give_a_clear_page_in_the_users_language(app: Flask) -> None:
    with app.app_context():
        db = db_session()
        old = create_pending_account(
            db,
            "lama",
            "auditor",
            audit_key=_audit_key(app),
            actor="cli",
            now=datetime.now(UTC) - timedelta(hours=73),
        )
        db.commit()
    client = app.test_client()
    client.get("/bahasa/en")
    for token in (old.token, "salah", "z" * 43):
        page = client.get(f"/staff/account-setup/{token}")
        assert page.status_code == 404
        assert "Ask an administrator for a new setup link" in page.get_data(as_text=True)
        posted = client.post(
            f"/staff/account-setup/{token}",
            data={"password": "kuda-laut-merah-1", "password2": "kuda-laut-merah-1"},
        )
        assert posted.status_code in (400, 404)
    indonesian = app.test_client().get(f"/staff/account-setup/{old.token}")
    assert "Tautan penyiapan tidak berlaku" in indonesian.get_data(as_text=True)
    assert not _account(app, "lama").has_keys


def test_reset_has_no_password_field_and_kills_the_old_link(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    first = create_in_console(admin, "pengawas", "supervisor")
    account_id = _account(app, "pengawas").id
    action = f"/admin/accounts/{account_id}/reset"
    reset_page = admin.get(action)
    assert "password" not in find_form(reset_page, action).names()
    response = submit_with_forged(
        admin, reset_page, action, {"password": FORGED}, follow_redirects=True
    )
    second = link_token(response.get_data(as_text=True))
    assert second != first
    assert app.test_client().get(f"/staff/account-setup/{first}").status_code == 404
    owner = complete_link(app, second)
    assert _login(app, "pengawas", FORGED) == 401
    next_code = pyotp.TOTP(owner.secret).at(time.time() + 30)
    assert _login(app, "pengawas", owner.password, next_code) == 303


def test_reset_of_a_set_up_account_drops_keys_grants_sessions_and_approval(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    owner_client, person = signed_in(app, "supervisor")
    with app.app_context():
        make_case(app, db_session())
    account_id = person.account_id
    action = f"/admin/accounts/{account_id}/reset"
    text = submit(admin, admin.get(action), action, follow_redirects=True).get_data(as_text=True)
    assert "1 case grants" in text
    assert owner_client.get("/staff/").status_code != 200  # the session ended
    with app.app_context():
        db = db_session()
        account = db.get(StaffAccount, account_id)
        assert account is not None and not account.has_keys
        assert account.activation_approved_at is None
        assert db.scalars(select(CaseGrant).where(CaseGrant.staff_id == account_id)).all() == []
    assert _login(app, person.username, person.password, person.code()) == 401
    complete_link(app, link_token(text))
    assert _account(app, person.username).activation_approved_at is None


def test_setup_refuses_a_weak_or_mismatched_password_and_keeps_the_link(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    token = create_in_console(admin, "auditor-1", "auditor")
    client = app.test_client()
    client.get("/bahasa/en")
    action = f"/staff/account-setup/{token}"
    page = client.get(action)
    weak = submit(client, page, action, fill={"password": "pendek", "password2": "pendek"})
    assert weak.status_code == 400 and "12 characters" in weak.get_data(as_text=True)
    differ = submit(
        client, page, action, fill={"password": "kuda-laut-merah-1", "password2": "lain-sekali-2"}
    )
    assert differ.status_code == 400 and "not the same" in differ.get_data(as_text=True)
    assert not _account(app, "auditor-1").has_keys
    owner = complete_link(app, token)
    assert owner.account_id == _account(app, "auditor-1").id


def test_no_audit_event_holds_a_password_or_the_link(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    token = create_in_console(admin, "lima", "investigator", forged={"password": FORGED})
    owner = complete_link(app, token)
    with app.app_context():
        rows = db_session().scalars(select(AuditEvent)).all()
        dump = " ".join(f"{r.tag} {r.actor} {r.detail}" for r in rows)
    assert "staff:setup_completed" in dump and "staff:created" in dump
    for secret in (token, owner.password, FORGED, owner.secret):
        assert secret not in dump


def test_the_setup_page_names_the_account_apart_from_the_sentence(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    shown = submit(
        admin,
        admin.get("/admin/"),
        "/admin/accounts",
        fill={"username": "irban", "role": "investigator"},
        follow_redirects=True,
    )
    token = link_token(shown.get_data(as_text=True))
    page = app.test_client().get(f"/staff/account-setup/{token}").get_data(as_text=True)
    assert "<h1>Siapkan akun Anda (irban)</h1>" in page
