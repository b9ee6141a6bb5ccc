"""A shared phone: Back after filing must not bring the report text back, nor file it twice.

Browsers restore typed form fields on Back unless the form says ``autocomplete="off"``; the
page itself must not be kept (``no-store``); a resubmitted old page (its one-shot form id)
lands on the "already received" page; the key page tells the reporter to close the tab.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from sipadu.cases.models import Case
from sipadu.db import db_session
from tests.reporting.conftest import BASE_REPORT, Ready, case_key_of, submit
from tests.support import forms


def test_the_report_form_is_not_restorable(ready: Ready) -> None:
    page = ready.app.test_client().get("/laporan")
    assert "no-store" in page.headers["Cache-Control"]
    form = BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one(
        'form[action="/laporan"]'
    )
    assert form is not None and form.get("autocomplete") == "off"


def test_the_same_rendered_form_sent_twice_files_one_case(ready: Ready) -> None:
    client = ready.app.test_client()
    rendered = client.get("/laporan")
    first = forms.submit(client, rendered, "/laporan", fill=BASE_REPORT)
    assert first.status_code == 201 and case_key_of(first)
    again = forms.submit(client, rendered, "/laporan", fill=BASE_REPORT)
    assert again.status_code == 303 and again.headers["Location"] == "/laporan/terkirim"
    landed = client.get("/laporan/terkirim")
    assert "Laporan ini sudah diterima" in landed.get_data(as_text=True)
    assert "SPD-" not in landed.get_data(as_text=True)
    with ready.app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Case)) == 1


def test_the_key_page_tells_a_shared_phone_to_close_the_tab(ready: Ready) -> None:
    page = submit(ready.app.test_client(), BASE_REPORT)
    line = BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one("#shared-phone")
    assert line is not None and "tab pribadi" in line.get_text()
    assert "no-store" in page.headers["Cache-Control"]


def test_the_key_file_has_a_neutral_name_and_says_where_to_enter_the_key(ready: Ready) -> None:
    client = ready.app.test_client()
    page = submit(client, BASE_REPORT)
    key = case_key_of(page)
    names = set()
    for _ in range(3):
        text = forms.submit(client, page, "/laporan/kunci", button="format.txt")
        disposition = text.headers["Content-Disposition"]
        found = re.search(r'filename="(catatan-[a-z0-9]{4}\.txt)"', disposition)
        assert found is not None and "sipadu" not in disposition.lower()
        assert key[:10] not in disposition
        names.add(found.group(1))
        assert key in text.get_data(as_text=True)
        assert "Masukkan kunci di: http://" in text.get_data(as_text=True)
        assert text.get_data(as_text=True).count("/kasus\n") == 1
    assert len(names) > 1  # random: two downloads do not share a name


def test_the_print_page_says_where_to_enter_the_key(ready: Ready) -> None:
    client = ready.app.test_client()
    printed = forms.submit(
        client, submit(client, BASE_REPORT), "/laporan/kunci", button="format.print"
    )
    line = BeautifulSoup(printed.get_data(as_text=True), "html.parser").select_one("#follow-up-url")
    assert line is not None and line.get_text().endswith("/kasus")
