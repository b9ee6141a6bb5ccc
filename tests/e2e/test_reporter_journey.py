"""A reporter in a real browser without JavaScript: report with a file, key, follow-up.

A supervisor is created on the shell first (bootstrap: no admin exists yet, so the account
is approved at once); without one the server refuses reports that nobody could read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import foreign_requests
from tests.e2e.helpers import artifacts_dir, fill_form
from tests.media.samples import jpeg_with_metadata
from tests.support.cli import approve_as_the_escrow_holder_would, run_sipadu
from tests.support.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # real server + browser

KEY_RE = re.compile(r"SPD-[0-9A-Z]{6}(?:-[0-9A-Z]{5}){4}-[0-9A-Z]")


def test_report_with_file_then_follow_up(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    created = run_sipadu(
        live_server.env,
        "account",
        "create",
        "--username",
        "verifikator",
        "--role",
        "supervisor",
        "--password-stdin",
        input="pohon-kelapa-di-pantai-utara\n",
    )
    assert created.returncode == 0, created.stderr
    approve_as_the_escrow_holder_would(live_server.env, "verifikator")
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(jpeg_with_metadata())
    shots = artifacts_dir(tmp_path)

    page.goto("/")
    page.get_by_role("link", name="Buat laporan").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/laporan"
    fill_form(
        page,
        {
            "category": "pungli",
            "what": "Petugas loket meminta uang tambahan.",
            "amount": "250.000",
            "attachments": photo,
        },
        form="form.report-form",
    )
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_load_state()
    page.screenshot(path=str(shots / "case-key.png"), full_page=True)

    shown = page.locator("#case-key").inner_text()
    match = KEY_RE.search(shown.replace(" ", "").replace("\n", ""))
    assert match, shown
    key = match.group(0)
    assert "foto.jpg" in page.content()
    assert page.locator("script").count() == 0

    page.goto("/kasus")
    fill_form(page, {"case_key": key})
    page.get_by_role("button", name="Buka kasus saya").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/kasus/saya"
    assert key not in page.url and key[:10] not in page.url
    assert page.locator("#case-status").inner_text().strip() == "Diterima"
    assert key[:10] in page.content()
    assert "foto.jpg" in page.content()
    page.screenshot(path=str(shots / "case.png"), full_page=True)

    page.go_back()  # back to the key form, then to the key page: never the key again
    page.go_back()
    assert key not in page.content()
    assert foreign_requests(page) == []
