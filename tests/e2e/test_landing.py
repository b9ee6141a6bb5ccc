"""The landing page in a real browser, without JavaScript, in both languages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import foreign_requests
from tests.e2e.helpers import artifacts_dir
from tests.support.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # real server + browser


def test_landing_in_indonesian_then_english(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    response = page.goto("/")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "id"
    assert "Laporkan pelanggaran dengan aman" in page.content()
    assert page.get_by_text("Jangan memakai komputer kantor", exact=False).count() > 0
    shots = artifacts_dir(tmp_path)
    page.screenshot(path=str(shots / "landing-id.png"), full_page=True)

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Report wrongdoing safely" in page.content()
    assert page.get_by_text("Bahasa Indonesia").count() == 1  # the way back
    page.screenshot(path=str(shots / "landing-en.png"), full_page=True)
    assert (shots / "landing-en.png").stat().st_size > 1000

    assert foreign_requests(page) == []
    assert page.locator("script").count() == 0
