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
    # A blank message loses nothing typed: refused with a redirect, so Back after the next
    # (accepted) message never lands on a page the browser must send again.
    refused = post_case_form(reporter, "/kasus/saya/pesan", {"body": "   "})
    assert refused.status_code == 303 and refused.location == "/kasus/saya#reply-form"
    page = reporter.get(refused.location)
    assert _summary_targets(page) == ["f-body"]
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    form = soup.find(id="reply-form")
    assert form is not None and "Tulis pesan Anda." in form.get_text()
    # Shown once: the page read again is the plain case page.
    assert reporter.get("/kasus/saya").status_code == 200


def test_a_refused_long_message_is_answered_with_what_was_typed(reporter: FlaskClient) -> None:
    # Keeping it across a redirect would mean storing the reporter's text: answered in place.
    typed = "x" * 20_001
    page = post_case_form(reporter, "/kasus/saya/pesan", {"body": typed})
    assert _summary_targets(page) == ["f-body"] and typed in page.get_data(as_text=True)


def test_a_refused_identity_is_named_at_the_top_and_linked(reporter: FlaskClient) -> None:
    page = post_case_form(reporter, "/kasus/saya/identitas", {})
    assert _summary_targets(page) == ["f-identity_name"]


def test_refused_files_are_named_at_the_top_and_linked(reporter: FlaskClient) -> None:
    page = post_case_form(reporter, "/kasus/saya/bukti", files=[(b"MZ\x90\x00", "alat.exe")])
    assert _summary_targets(page) == ["f-attachments"]


def test_an_accepted_page_has_no_error_banner(reporter: FlaskClient) -> None:
    assert 'id="error-summary"' not in reporter.get("/kasus/saya").get_data(as_text=True)
