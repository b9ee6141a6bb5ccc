"""The case page's unit choice read on a phone (Chromium, JavaScript off, 360 px): each unit's
distinguishing words are on screen, not cut off behind the words all units share, and the
page does not scroll sideways."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sipadu.db import db_session
from tests.casework.conftest import staff_token
from tests.conftest import build_app, make_settings
from tests.e2e.test_staff_pages_checks import ORIGIN, PHONE, StandIn, open_stand_in
from tests.support.factories import make_case, make_staff
from tests.support.instance import Database

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# What tells each seeded unit apart (the seeded names all begin "Inspektur Pembantu Wilayah").
DISTINCT = ("Jakarta Pusat", "Jakarta Utara", "Jakarta Barat", "Jakarta Selatan", "Jakarta Timur")


def _case_page(root: Path) -> tuple[str, str]:
    """A supervisor's case page as the server renders it, and its path."""
    database = Database("sqlite", f"sqlite:///{root / 'sipadu.sqlite3'}")
    app = build_app(make_settings(root, database, rate_limits_enabled=False))
    try:
        with app.app_context():
            db = db_session()
            supervisor = make_staff(app, db, "supervisor")
            db.commit()
            code = make_case(app, db).case.code
            token = staff_token(db, supervisor)
        client = app.test_client()
        client.set_cookie("sipadu_staff", token)
        path = f"/petugas/kasus/{code}"
        page = client.get(path)
        assert page.status_code == 200
        return page.get_data(as_text=True), path
    finally:
        app.extensions["sipadu.engine"].dispose()


def test_every_units_distinguishing_words_show_at_360_px(browser: Browser, tmp_path: Path) -> None:
    html, path = _case_page(tmp_path)
    stand_in = StandIn(html=html)
    layout = open_stand_in(browser, stand_in, javascript=False)
    layout.set_viewport_size(PHONE)
    layout.goto(ORIGIN + path, wait_until="load")
    overflow = layout.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert int(overflow) <= 0
    form = layout.locator("#unit-form")
    for words in DISTINCT:
        shown = form.locator("label.unit-choice strong", has_text=words)
        assert shown.count() == 1, words
        box = shown.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # Not clipped: the element shows all of its text (no ellipsis, no hidden overflow).
        clipped = shown.evaluate("e => e.scrollWidth > e.clientWidth + 1 || e.offsetWidth === 0")
        assert not clipped, words
        assert shown.inner_text().startswith("Kota Administrasi " + words)
