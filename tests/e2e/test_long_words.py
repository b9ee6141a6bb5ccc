"""Long words a reporter types or names (a long link, a long file name) wrap on a 360 px
phone: the key page and the case page never scroll sideways.

The pages are rendered by the app (test client) and laid out by Chromium with the real
stylesheet inlined, so no live server is needed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask

from sipadu.db import db_session
from tests.reporting.conftest import BASE_REPORT, case_key_of, login, post_case_form, submit
from tests.support.factories import make_staff

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.e2e]

CSS = Path(__file__).resolve().parents[2] / "sipadu" / "static" / "css" / "sipadu.css"
STYLESHEET = re.compile(r'<link rel="stylesheet" href="[^"]*">')
LONG_LINK = "https://contoh.go.id/" + "bukti-pungutan-liar-di-loket-pelayanan-" * 6
LONG_NAME = "foto_bukti_pungutan_liar_loket_pelayanan_kelurahan_" * 3 + ".txt"


def _overflow(browser: Browser, html: str) -> int:
    """How far the page scrolls sideways at 360 px, laid out with the real stylesheet."""
    inlined = STYLESHEET.sub(lambda _: f"<style>{CSS.read_text()}</style>", html)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_content(inlined)
        width = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        return int(width)
    finally:
        context.close()


def test_long_words_wrap_on_the_key_page_and_the_case_page(app: Flask, browser: Browser) -> None:
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    client = app.test_client()
    report = {**BASE_REPORT, "what": f"Lihat {LONG_LINK} untuk buktinya."}
    key_page = submit(client, report, files=[(b"catatan kejadian\n", LONG_NAME)])
    assert key_page.status_code == 201 and LONG_NAME in key_page.get_data(as_text=True)
    assert _overflow(browser, key_page.get_data(as_text=True)) == 0
    login(client, case_key_of(key_page))
    post_case_form(client, "/kasus/saya/pesan", {"body": f"Tautan lain: {LONG_LINK}"})
    case_page = client.get("/kasus/saya").get_data(as_text=True)
    assert LONG_NAME in case_page and case_page.count(LONG_LINK) == 2
    assert _overflow(browser, case_page) == 0
