"""The key page is hard to lose: every way off it asks "I have saved my key" first, the
print page leads back to it with the key, and the key never breaks inside a group.

The key exists only in POST answers, so a link that leaves the page, followed by Back, would
lose it for good; these tests post what the rendered pages send (tests/support/forms.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from sipadu.reporting.views import key_chunks
from tests.reporting.conftest import BASE_REPORT, Ready, case_key_of, submit
from tests.support import forms

LEAVE = "/laporan/kunci/lanjut"
CSS = Path(__file__).resolve().parents[2] / "sipadu" / "static" / "css" / "sipadu.css"


def _soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_key_chunks_keep_the_code_whole_and_the_check_character_with_its_group() -> None:
    key = "SPD-ABCDEF-GHJKM-NPQRS-TVWXY-Z2345-7"
    chunks = key_chunks(key)
    assert "".join(chunks) == key
    assert chunks[0] == "SPD-ABCDEF-" and chunks[-1] == "Z2345-7"
    assert all(len(chunk.strip("-")) > 1 for chunk in chunks)


def test_the_key_breaks_only_between_groups(ready: Ready) -> None:
    page = submit(ready.app.test_client())
    key = case_key_of(page)
    shown = _soup(page).select_one("#case-key")
    assert shown is not None and shown.get_text() == key
    groups = [span.get_text() for span in shown.select(".key-group")]
    assert groups == key_chunks(key) and re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]", groups[-1])
    # Nothing in the stylesheet lets a line break inside a group again.
    css = CSS.read_text()
    assert "break-all" not in css and ".key-group { white-space: nowrap; }" in css


def test_no_link_leaves_the_key_page_or_the_print_page(ready: Ready) -> None:
    client = ready.app.test_client()
    page = submit(client)
    printable = forms.submit(client, page, "/laporan/kunci", button="format.print")
    for response in (page, printable):
        links = [a["href"] for a in _soup(response).select("a[href]")]
        assert all(str(href).startswith("#") for href in links), links


def test_leaving_without_confirming_shows_the_key_again(ready: Ready) -> None:
    client = ready.app.test_client()
    page = submit(client)
    key = case_key_of(page)
    refused = forms.submit(client, page, LEAVE, button="next.followup")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Location" not in refused.headers
    assert case_key_of(refused) == key and "Saya sudah menyimpan kunci saya" in html
    assert 'id="saved-error"' in html
    # The refused page answers at the form's address, whose fragment makes a phone's browser
    # open it at the question and its error, not at the top of a long page.
    assert re.search(r'<form method="post" action="[^"]*#leave-heading">', html)
    left = forms.submit(client, refused, LEAVE, tick=["saved"], button="next.followup")
    assert left.status_code == 303 and left.headers["Location"] == "/kasus"
    assert key not in left.headers["Location"]
    home = forms.submit(client, page, LEAVE, tick=["saved"], button="next.home")
    assert home.status_code == 303 and home.headers["Location"] == "/"


def test_leaving_refuses_a_made_up_target_or_key(ready: Ready) -> None:
    client = ready.app.test_client()
    page = submit(client)
    submission = forms.build(page, LEAVE, tick=["saved"], button="next.home")
    forged = {
        "next.home": ("next.https://example.invalid/", "Go"),
        "case_key": ("case_key", "<b>x</b>"),
    }
    for field, replacement in forged.items():
        pairs = [replacement if k == field else (k, v) for k, v in submission.pairs]
        bad = client.post(LEAVE, data=MultiDict(pairs))
        assert bad.status_code == 400 and "example.invalid" not in bad.headers.get("Location", "")
        assert "<b>x</b>" not in bad.get_data(as_text=True)


def test_the_print_page_leads_back_to_the_key_page_with_the_key(ready: Ready) -> None:
    client = ready.app.test_client()
    page = submit(client)
    key = case_key_of(page)
    printable = forms.submit(client, page, "/laporan/kunci", button="format.print")
    back = forms.submit(client, printable, "/laporan/kunci", button="format.page")
    assert back.status_code == 200 and case_key_of(back) == key
    assert "Laporan Anda telah diterima" in back.get_data(as_text=True)
    assert "no-store" in back.headers["Cache-Control"]


def test_sent_page_opened_directly_claims_no_report(ready: Ready) -> None:
    client = ready.app.test_client()
    direct = client.get("/laporan/terkirim").get_data(as_text=True)
    assert "sudah diterima" not in direct and "Tidak ada laporan yang dikirim" in direct
    sent = forms.build(client.get("/laporan"), "/laporan", fill=BASE_REPORT)
    assert forms.send(client, sent).status_code == 201
    assert forms.send(client, sent).headers["Location"] == "/laporan/terkirim"
    resent = client.get("/laporan/terkirim").get_data(as_text=True)
    assert "Laporan ini sudah diterima" in resent
    # The mark is read once: opening the page again claims nothing.
    assert "sudah diterima" not in client.get("/laporan/terkirim").get_data(as_text=True)
