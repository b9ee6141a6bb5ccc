"""Every page says whose service this is (name, emblem, address, hotline, legal basis, the
protection of whistleblowers), from admin-editable public texts with Jakarta defaults, and
the reporter pages avoid words many readers do not know."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from sipadu.admin.service import set_public_text
from sipadu.db import db_session
from tests.reporting.conftest import Ready, case_key_of, login, submit

REPORTER_PAGES = ("/", "/laporan", "/kasus", "/laporan/terkirim")
UNKNOWN_WORDS = ("kustodian", "custodian", "disegel", "segel", "Kode galat", "galat")


def _html(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, path
    return page.get_data(as_text=True)


def _set(ready: Ready, key: str, html: str) -> None:
    with ready.app.app_context():
        set_public_text(db_session(), key, html, audit_key=b"k" * 32, actor="staff:1")
        db_session().commit()


def test_pages_name_the_inspektorat_its_address_the_law_and_lpsk(ready: Ready) -> None:
    client = ready.app.test_client()
    for path in REPORTER_PAGES:
        html = _html(client, path)
        assert "Inspektorat Provinsi DKI Jakarta" in html
        assert "Jl. Medan Merdeka Selatan" in html and "Jakarta Pusat 10110" in html
        assert "Undang-Undang Nomor 31 Tahun 2014" in html and "LPSK" in html
        assert "img/emblem.svg" in html
        assert "Nomor pengaduan" not in html  # no hotline until an admin enters one
    client.get("/bahasa/en")
    html = _html(client, "/laporan")
    assert "Inspektorat of the Province of DKI Jakarta" in html
    assert "Witness and Victim Protection Agency (LPSK)" in html


def test_the_admins_texts_replace_the_defaults_and_an_empty_one_restores_them(
    ready: Ready,
) -> None:
    _set(ready, "hotline", "<strong>(021) 555-0100</strong><script>x()</script>")
    _set(ready, "institution_name", "Inspektorat <em>Uji</em>")
    client = ready.app.test_client()
    html = _html(client, "/laporan")
    assert "Nomor pengaduan: <strong>(021) 555-0100</strong>" in html and "<script>x" not in html
    assert "Inspektorat Uji" in html and "Inspektorat Provinsi DKI Jakarta" not in html
    _set(ready, "institution_name", "")
    _set(ready, "hotline", "")
    html = _html(client, "/laporan")
    assert "Inspektorat Provinsi DKI Jakarta" in html and "555-0100" not in html


def test_the_key_and_case_pages_show_it_too(ready: Ready) -> None:
    client = ready.app.test_client()
    key_page = submit(client)
    assert "Inspektorat Provinsi DKI Jakarta" in key_page.get_data(as_text=True)
    login(client, case_key_of(key_page))
    assert "LPSK" in _html(client, "/kasus/saya")


def test_the_emblem_is_a_small_self_contained_svg(ready: Ready) -> None:
    emblem = ready.app.test_client().get("/static/img/emblem.svg")
    body = emblem.get_data(as_text=True)
    assert emblem.status_code == 200 and emblem.mimetype == "image/svg+xml"
    assert len(emblem.get_data()) < 2048
    assert re.findall(r"https?://[^\"]+", body) == ["http://www.w3.org/2000/svg"]
    assert "<script" not in body and "href" not in body


def test_reporter_pages_use_plain_words(ready: Ready) -> None:
    client = ready.app.test_client()
    key_page = submit(client)
    login(client, case_key_of(key_page))
    pages = [key_page.get_data(as_text=True), _html(client, "/kasus/saya")]
    pages += [_html(ready.app.test_client(), path) for path in REPORTER_PAGES]
    for html in pages:
        lowered = html.lower()
        for word in UNKNOWN_WORDS:
            assert word.lower() not in lowered, word
        # Tor Browser is never named without saying what it is.
        assert "Tor Browser: peramban gratis" in html


def test_error_pages_say_whose_service_in_plain_words(ready: Ready) -> None:
    missing = ready.app.test_client().get("/tidak-ada")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert "Kode kesalahan" in html and "Inspektorat Provinsi DKI Jakarta" in html
