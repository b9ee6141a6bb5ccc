"""The whole promise in a real browser without JavaScript: the first admin sets SIPADU up and
creates a supervisor, who completes the setup link and is approved by the escrow holder, a
reporter files a report, the supervisor opens it and replies, and the
reporter reads the reply — seeing "Inspektorat", never a staff name."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyotp
import pytest

from sipadu.crypto.escrow import write_escrow_private
from tests.e2e.conftest import foreign_requests
from tests.e2e.helpers import fill_form, printed_setup_url
from tests.support.cli import run_sipadu, seeded_escrow_private
from tests.support.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # real server + browser
PASSWORD = "kuda-laut-merah-jambu"
SUPERVISOR_PASSWORD = "pohon-kelapa-di-pantai-utara"
ESCROW_PASSPHRASE = "batu-karang-laut-dalam-senja"
KEY_RE = re.compile(r"SPD-[0-9A-Z]{6}(?:-[0-9A-Z]{5}){4}-[0-9A-Z]")
REPLY = "Terima kasih, laporan Anda sedang kami verifikasi."


def _enrol(page: Page, password: str, secret: str) -> pyotp.TOTP:
    totp = pyotp.TOTP(secret)
    fill_form(page, {"password": password, "totp": totp.now()})
    page.get_by_role("button", name="Confirm and sign in").click()
    page.wait_for_load_state()
    return totp


def test_setup_report_reply_and_read(
    make_page: Callable[..., Page], live_server: LiveServer, tmp_path: Path
) -> None:
    # 1. First run: the administrator from the printed one-time link, with TOTP enrolment.
    admin = make_page()
    admin.goto("/bahasa/en")
    admin.goto(printed_setup_url(live_server))
    fill_form(admin, {"username": "kepala", "password": PASSWORD, "password2": PASSWORD})
    admin.get_by_role("button", name="Create administrator").click()
    secret = admin.locator("#totp-secret").inner_text().replace(" ", "")
    _enrol(admin, PASSWORD, secret)
    assert admin.url.endswith("/staff/")

    # 2. The admin creates a supervisor (no password: a one-time setup link); its owner
    #    chooses the password and enrols; the escrow holder approves this first supervisor.
    admin.goto("/admin/")
    fill_form(
        admin,
        {"username": "verifikator", "role": "supervisor"},
        form='form[action$="/admin/accounts"]',
    )
    admin.get_by_role("button", name="Create account").click()
    admin.wait_for_load_state()
    link = admin.locator("#setup-link").inner_text().strip()
    staff = make_page()
    staff.goto("/bahasa/en")
    staff.goto(link.removeprefix(live_server.url))
    fill_form(staff, {"password": SUPERVISOR_PASSWORD, "password2": SUPERVISOR_PASSWORD})
    staff.get_by_role("button", name="Save password").click()
    staff.wait_for_load_state()
    assert staff.url.endswith("/staff/enrol")
    _enrol(staff, SUPERVISOR_PASSWORD, staff.locator("#totp-secret").inner_text().replace(" ", ""))
    assert staff.url.endswith("/staff/")
    escrow_file = tmp_path / "escrow.key"
    write_escrow_private(escrow_file, seeded_escrow_private(), ESCROW_PASSPHRASE)
    approved = run_sipadu(
        live_server.env,
        "escrow",
        "approve",
        "--to",
        "verifikator",
        "--key",
        str(escrow_file),
        "--passphrase-stdin",
        input=ESCROW_PASSPHRASE + "\n",
    )
    assert approved.returncode == 0, approved.stderr

    # 3. A reporter files a report (no JavaScript) and keeps the key.
    reporter = make_page()
    reporter.goto("/laporan")
    fill_form(
        reporter,
        {"category": "gratifikasi", "what": "Pejabat menerima bingkisan dari calon rekanan."},
        form="form.report-form",
    )
    reporter.get_by_role("button", name="Kirim laporan").click()
    reporter.wait_for_load_state()
    match = KEY_RE.search(
        reporter.locator("#case-key").inner_text().replace(" ", "").replace("\n", "")
    )
    assert match
    key = match.group(0)
    code = key[:10]

    # 4. The supervisor finds it in the inbox, reads it and replies.
    staff.goto("/petugas/kasus")
    assert code in staff.content()
    staff.get_by_role("link", name=code).first.click()
    staff.wait_for_load_state()
    assert "Pejabat menerima bingkisan dari calon rekanan." in staff.content()
    fill_form(staff, {"body": REPLY}, form="#message-form")
    staff.get_by_role("button", name="Send to the reporter", exact=True).click()
    staff.wait_for_load_state()
    assert REPLY in staff.content()

    # 5. The reporter comes back with the key and reads the reply from "Inspektorat".
    reporter.goto("/kasus")
    fill_form(reporter, {"case_key": key})
    reporter.get_by_role("button", name="Buka kasus saya").click()
    reporter.wait_for_load_state()
    page_text = reporter.content()
    assert REPLY in page_text
    assert "Inspektorat" in page_text and "verifikator" not in page_text
    for page in (admin, staff, reporter):
        assert foreign_requests(page) == []
        assert page.locator("script").count() == 0
