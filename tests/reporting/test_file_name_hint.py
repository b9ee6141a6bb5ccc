"""Reporters are told that file names reach the Inspektorat as they are."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.reporting.conftest import Ready, case_key_of, login, submit
from tests.support import forms

HINT_ID = "Nama berkas dikirim apa adanya"
KEPT_ID = "Nama berkas tidak diubah"


def _hint_by_file_field(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").find("input", attrs={"type": "file"})
    assert field is not None
    wrapper = field.find_parent(class_="field")
    assert wrapper is not None
    return wrapper.get_text(" ")


def test_both_file_fields_say_names_are_kept(ready: Ready) -> None:
    client = ready.app.test_client()
    assert HINT_ID in _hint_by_file_field(client.get("/laporan").get_data(as_text=True))
    key_page = submit(client, files=[(b"bukti\n", "IMG_20261206_211405.txt")])
    assert KEPT_ID in key_page.get_data(as_text=True)
    login(client, case_key_of(key_page))
    case_page = client.get("/kasus/saya")
    assert HINT_ID in _hint_by_file_field(case_page.get_data(as_text=True))
    added = forms.submit(
        client,
        case_page,
        "/kasus/saya/bukti",
        files={"attachments": (b"bukti", "Laporan_Budi.txt")},
        follow_redirects=True,
    )
    assert added.status_code == 200 and KEPT_ID in added.get_data(as_text=True)
    client.get("/bahasa/en")
    english = client.get("/laporan").get_data(as_text=True)
    assert "File names are sent as they are" in _hint_by_file_field(english)
