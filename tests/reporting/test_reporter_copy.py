"""The reporter's own copy of the report on /kasus/saya reads like the form they filled:
the place and agency in words, no "(required)", file sizes like staff pages, and an
Indonesian cleaning summary without English words."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from flask import Flask

from sipadu.db import db_session
from sipadu.units.agencies import create_agency
from sipadu.units.areas import jakarta_areas
from tests.media import samples
from tests.reporting.conftest import BASE_REPORT, Ready, case_key_of, login, submit

KELURAHAN = "31.71.01.1001"


def _agency(app: Flask) -> None:
    with app.app_context():
        key = app.extensions["sipadu.settings"].keyring.audit_hmac_key
        create_agency(db_session(), "dinas-uji", "Dinas Uji Coba", audit_key=key, actor="cli")
        db_session().commit()


def _own_report(html: str) -> dict[str, str]:
    copy = BeautifulSoup(html, "html.parser").select_one("dl.own-report")
    assert copy is not None
    terms = [dt.get_text(strip=True) for dt in copy.select("dt")]
    return dict(zip(terms, [dd.get_text(strip=True) for dd in copy.select("dd")], strict=True))


def test_the_reporters_copy_shows_choices_in_words_and_sizes_like_staff(ready: Ready) -> None:
    _agency(ready.app)
    client = ready.app.test_client()
    report = {**BASE_REPORT, "location": KELURAHAN, "agency": "dinas-uji"}
    document = samples.pdf_with_metadata(jpeg_inside=False)
    key_page = submit(client, report, files=[(document, "bukti.pdf")])
    assert key_page.status_code == 201
    login(client, case_key_of(key_page))
    page = client.get("/kasus/saya").get_data(as_text=True)
    copy = _own_report(page)
    place = jakarta_areas().describe(KELURAHAN)
    assert copy["Di mana di DKI Jakarta kejadiannya?"] == place and "Gambir" in place
    assert copy["Instansi mana yang dilaporkan?"] == "Dinas Uji Coba"
    assert copy["Apa yang terjadi?"] == BASE_REPORT["what"]
    assert "(wajib)" not in " ".join(copy) and "dinas-uji" not in page
    assert "KiB" not in page and re.search(r"bukti\.pdf \(\d+(,\d)? (B|KB|MB)\)", page)
    assert "producer" not in page.lower()
    assert "aplikasi penghasil" in page
