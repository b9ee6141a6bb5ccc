"""A language link on the answer to a POST-only page leads to a page that can be fetched."""

from __future__ import annotations

from tests.reporting.conftest import Ready, case_key_of, login, post_case_form, submit
from tests.support import forms
from tests.support.language_link import follow_language_link


def test_language_link_after_adding_evidence(ready: Ready) -> None:
    client = ready.app.test_client()
    login(client, case_key_of(submit(client)))
    added = forms.submit(
        client,
        client.get("/kasus/saya"),
        "/kasus/saya/bukti",
        files={"attachments": (b"bukti", "bukti.txt")},
        follow_redirects=True,
    )
    assert added.status_code == 200 and added.request.path == "/kasus/saya"
    english = follow_language_link(client, added, "en")
    assert english.status_code == 200 and english.request.path == "/kasus/saya"
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_language_link_after_a_message_error(ready: Ready) -> None:
    client = ready.app.test_client()
    login(client, case_key_of(submit(client)))
    refused = post_case_form(client, "/kasus/saya/pesan", fill={"body": "   "})
    assert refused.status_code == 303  # a blank reply comes back to the case page
    shown = client.get(refused.headers["Location"])
    assert shown.status_code == 422
    english = follow_language_link(client, shown, "en")
    assert english.status_code == 200 and english.request.path == "/kasus/saya"


def test_language_link_on_a_get_page_returns_to_it(ready: Ready) -> None:
    client = ready.app.test_client()
    # (The report form posts itself back instead: tests/reporting/test_language_switch.py.)
    english = follow_language_link(client, client.get("/kasus"), "en")
    assert english.status_code == 200 and english.request.path == "/kasus"
