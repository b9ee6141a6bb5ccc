"""First run in a real browser without JavaScript: setup URL, TOTP enrolment, login, logout."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pyotp
import pytest

from tests.e2e.conftest import foreign_requests
from tests.e2e.helpers import fill_form, printed_setup_url
from tests.support.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # real server + browser
PASSWORD = "kuda-laut-merah-jambu"


def test_first_run_enrolment_login_and_logout(page: Page, live_server: LiveServer) -> None:
    url = printed_setup_url(live_server)
    assert url.startswith(live_server.url)
    page.goto("/bahasa/en")
    page.goto(url)
    fill_form(page, {"username": "kepala", "password": PASSWORD, "password2": PASSWORD})
    page.get_by_role("button", name="Create administrator").click()
    assert page.url.endswith("/staff/enrol")
    assert page.locator("svg.totp-qr").count() == 1
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    fill_form(page, {"password": PASSWORD, "totp": totp.now()})
    page.get_by_role("button", name="Confirm and sign in").click()
    assert page.url.endswith("/staff/")
    assert "Welcome, kepala" in page.content()
    assert page.get_by_role("link", name="Accounts").count() >= 1

    page.get_by_role("button", name="Log out").click()
    assert "/staff/login" in page.url
    assert page.goto(live_server.url + "/admin/") is not None
    assert "/staff/login" in page.url
    used = page.goto(url)
    assert used is not None and used.status == 404
    assert "Setup link not valid" in page.content()

    # Sign in again with the next code (the enrolment code cannot be replayed).
    page.goto("/staff/login")
    fill_form(page, {"username": "kepala", "password": PASSWORD, "totp": totp.at(time.time() + 30)})
    page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/staff/")
    assert foreign_requests(page) == []
    assert page.locator("script").count() == 0
