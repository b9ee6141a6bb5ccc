"""Switching language on a page that shows the case key keeps the key on screen.

The key is shown once, in the body of a POST answer; a language link (a GET) would lose it
for good. On these pages the switch posts the key back, as the download/print form does.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from tests.reporting.conftest import Ready, case_key_of, submit
from tests.support import forms
from tests.support.form_parse import URLENCODED

SWITCH = "/laporan/kunci/bahasa"


def test_english_switch_on_the_key_page_keeps_the_key(ready: Ready) -> None:
    client = ready.app.test_client()
    page = submit(client)
    assert page.status_code == 201 and "Laporan Anda telah diterima" in page.get_data(as_text=True)
    key = case_key_of(page)
    english = forms.submit(client, page, SWITCH, button="lang.en")
    html = english.get_data(as_text=True)
    assert english.status_code == 200
    assert "Your report was received" in html and '<html lang="en">' in html
    assert case_key_of(english) == key
    assert "no-store" in english.headers["Cache-Control"]
    back = forms.submit(client, english, SWITCH, button="lang.id")
    assert "Laporan Anda telah diterima" in back.get_data(as_text=True)
    assert case_key_of(back) == key
    assert "/bahasa/en" not in html and key not in english.headers.get("Location", "")


def test_english_switch_on_the_print_page_keeps_the_key(ready: Ready) -> None:
    client = ready.app.test_client()
    key_page = submit(client)
    key = case_key_of(key_page)
    printable = forms.submit(client, key_page, "/laporan/kunci", button="format.print")
    assert printable.status_code == 200
    english = forms.submit(client, printable, SWITCH, button="lang.en")
    html = english.get_data(as_text=True)
    assert english.status_code == 200 and '<html lang="en">' in html
    assert "Use your browser's print command" in html
    assert case_key_of(english) == key


def test_language_switch_refuses_a_forged_post_and_a_bad_key(ready: Ready) -> None:
    client = ready.app.test_client()
    page = submit(client)
    key = case_key_of(page)
    forged = client.post(SWITCH, data={"case_key": key, "lang": "en", "page": "key"})
    assert forged.status_code == 400 and key not in forged.get_data(as_text=True)
    submission = forms.build(page, SWITCH, button="lang.en")
    pairs = [(k, "<b>x</b>" if k == "case_key" else v) for k, v in submission.pairs]
    bad = client.post(SWITCH, data=MultiDict(pairs))
    assert bad.status_code == 400 and "<b>x</b>" not in bad.get_data(as_text=True)


REPORT_SWITCH = "/laporan/bahasa"
TYPED = {
    "category": "pungli",
    "what": "Pungutan Rp50.000 di loket <b>KTP</b>.",
    "who": "Petugas loket 3",
    "identity_name": "Saksi & Co",
}


def test_language_switch_on_the_report_form_keeps_what_was_typed(ready: Ready) -> None:
    client = ready.app.test_client()
    form = client.get("/laporan")
    english = forms.submit(
        client,
        form,
        "report-form",
        fill=TYPED,
        files={"attachments": [(b"bukti", "bukti.txt")]},
        button="lang.en",
    )
    html = english.get_data(as_text=True)
    assert english.status_code == 200 and '<html lang="en">' in html
    assert "New report" in html and "Files are not kept when the language changes" in html
    assert (
        english.headers.get("Location") is None and "no-store" in english.headers["Cache-Control"]
    )
    again = forms.build(english, "report-form")  # what the form now sends as it stands
    sent = dict(again.pairs)
    assert {name: sent[name] for name in TYPED} == TYPED
    back = forms.submit(client, english, "report-form", button="lang.id")
    assert '<html lang="id">' in back.get_data(as_text=True)
    assert {name: dict(forms.build(back, "report-form").pairs)[name] for name in TYPED} == TYPED
    assert "&lt;b&gt;KTP&lt;/b&gt;" in back.get_data(as_text=True)  # escaped, not markup
    # The form sent after the switch files the report as typed.
    filed = forms.submit(client, back, "report-form", button="Kirim laporan")
    assert filed.status_code == 201 and case_key_of(filed)


def test_report_language_switch_sends_nothing_in_a_url_and_refuses_forgeries(
    ready: Ready,
) -> None:
    client = ready.app.test_client()
    form = client.get("/laporan")
    submission = forms.build(form, "report-form", fill=TYPED, button="lang.en")
    assert submission.method == "post" and submission.path == REPORT_SWITCH
    assert submission.enctype == URLENCODED  # no file travels on a language switch
    forged = client.post(REPORT_SWITCH, data={**TYPED, "lang": "en"})
    assert forged.status_code == 400 and "Petugas loket 3" not in forged.get_data(as_text=True)
    pairs = [("lang.xx", v) if k == "lang.en" else (k, v) for k, v in submission.pairs]
    bad = client.post(REPORT_SWITCH, data=MultiDict(pairs))
    assert bad.status_code == 400 and "Petugas loket 3" not in bad.get_data(as_text=True)
