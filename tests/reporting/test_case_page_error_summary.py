"""A refused case-page form (422) shows its errors in a banner at the top, as the report
form does, each linked to the field to fix (the field itself is marked too)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.reporting.conftest import BASE_REPORT, Ready, case_key_of, login, post_case_form, submit


@pytest.fixture
def reporter(ready: Ready) -> FlaskClient:
    client = ready.app.test_client()
    login(client, case_key_of(submit(client, BASE_REPORT)))
    return client


def _summary_targets(page: TestResponse) -> list[str]:
    """The ids the top banner links to, each checked to exist on the page."""
    assert page.status_code == 422
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    banner = soup.select_one("#error-summary")
    assert banner is not None and "Perbaiki isian" in banner.get_text()
    # The banner comes before the page's sections: a phone shows it without scrolling.
    assert banner.find_previous("section") is None
    targets = [str(a["href"]).removeprefix("#") for a in banner.select("a[href^='#']")]
    assert targets
    for target in targets:
        assert soup.find(id=target) is not None, target
    return targets


def test_a_refused_message_is_named_at_the_top_and_linked(reporter: FlaskClient) -> None:
    page = post_case_form(reporter, "/kasus/saya/pesan", {"body": "   "})
    assert _summary_targets(page) == ["f-body"]


def test_a_refused_identity_is_named_at_the_top_and_linked(reporter: FlaskClient) -> None:
    page = post_case_form(reporter, "/kasus/saya/identitas", {})
    assert _summary_targets(page) == ["f-identity_name"]


def test_refused_files_are_named_at_the_top_and_linked(reporter: FlaskClient) -> None:
    page = post_case_form(reporter, "/kasus/saya/bukti", files=[(b"MZ\x90\x00", "alat.exe")])
    assert _summary_targets(page) == ["f-attachments"]


def test_an_accepted_page_has_no_error_banner(reporter: FlaskClient) -> None:
    assert 'id="error-summary"' not in reporter.get("/kasus/saya").get_data(as_text=True)
