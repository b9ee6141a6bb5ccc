"""The e2e helpers themselves: the CLI reaches the live instance, forms fill without JS."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import foreign_requests
from tests.e2e.helpers import fill_form
from tests.support.cli import run_sipadu
from tests.support.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # real server + browser

FORM = """<!doctype html><form method="post" action="/nowhere">
<input name="title"><textarea name="what"></textarea>
<select name="category"><option value="kkn">KKN</option><option value="pungli">Pungli</option>
</select><input type="checkbox" name="agree">
<input type="radio" name="elsewhere" value="yes"><input type="radio" name="elsewhere" value="no">
<input type="file" name="attachments" multiple></form>"""


def test_run_sipadu_acts_on_the_live_instance(live_server: LiveServer) -> None:
    result = run_sipadu(live_server.env, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "rows verified" in result.stdout


def test_fill_form_without_javascript(page: Page, tmp_path: Path) -> None:
    evidence = tmp_path / "bukti.txt"
    evidence.write_text("bukti")
    page.set_content(FORM)
    fill_form(
        page,
        {
            "title": "Judul",
            "what": "Kronologi\nbaris dua",
            "category": "pungli",
            "agree": True,
            "elsewhere": "no",
            "attachments": [evidence, evidence],
        },
    )
    assert page.input_value('[name="title"]') == "Judul"
    assert page.input_value('[name="what"]') == "Kronologi\nbaris dua"
    assert page.input_value('[name="category"]') == "pungli"
    assert page.is_checked('[name="agree"]')
    assert page.is_checked('[name="elsewhere"][value="no"]')
    assert not page.is_checked('[name="elsewhere"][value="yes"]')
    assert page.locator('[name="attachments"]').evaluate("el => el.files.length") == 2
    with pytest.raises(AssertionError, match="no field named 'typo'"):
        fill_form(page, {"typo": "x"})


def test_js_page_runs_scripts_and_page_does_not(page: Page, js_page: Page) -> None:
    script = "<p id=out>off</p><script>document.getElementById('out').textContent='on'</script>"
    page.set_content(script)
    js_page.set_content(script)
    assert page.inner_text("#out") == "off"
    assert js_page.inner_text("#out") == "on"


def test_other_origins_are_refused_and_recorded(page: Page, live_server: LiveServer) -> None:
    # about:blank, not a SIPADU page: its Content-Security-Policy would block the image
    # before the request reached the guard.
    page.set_content(
        '<img src="http://tracker.invalid/pixel.png" alt="">'
        f'<img src="{live_server.url}/static/css/sipadu.css" alt="">'
    )
    page.wait_for_load_state("networkidle")
    assert foreign_requests(page) == ["http://tracker.invalid/pixel.png"]
