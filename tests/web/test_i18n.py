"""Bahasa Indonesia by default, English on request, every string translated."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from sipadu.resources import PACKAGE_DIR

CATALOG = PACKAGE_DIR / "translations" / "id" / "LC_MESSAGES" / "messages.po"
CHECKOUT = PACKAGE_DIR.parent


def test_landing_is_indonesian_by_default(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="id">' in page
    assert "Laporkan pelanggaran dengan aman" in page
    assert "Jangan memakai komputer kantor" in page
    assert "Set-Cookie" not in response.headers  # no cookie before one is needed


def test_switch_to_english_and_back(client: FlaskClient) -> None:
    response = client.get("/bahasa/en?next=/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Report wrongdoing safely" in page
    client.get("/bahasa/id")
    assert "Laporkan pelanggaran" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil", "javascript:alert(1)"]
)
def test_language_switch_is_not_an_open_redirect(client: FlaskClient, target: str) -> None:
    response = client.get("/bahasa/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    response = client.get("/bahasa/xx")
    assert "Set-Cookie" not in response.headers
    assert "Laporkan pelanggaran" in client.get("/").get_data(as_text=True)


def test_every_message_has_an_indonesian_translation() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_every_message_in_the_code_is_in_the_catalog() -> None:
    """A string passed to gettext but never added with `make messages` shows in English."""
    used = {message if isinstance(message, str) else message[0] for message in _extracted()}
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.string}
    assert sorted(used - translated - {""}) == []


def test_every_count_in_the_code_has_a_plural_entry() -> None:
    """English says "1 objection" and "2 objections"; Indonesian has one form for both.

    A count passed to ngettext needs an entry with its plural msgid and exactly one
    (non-empty) Indonesian form, else the catalog's singular-only entry is not used for it.
    """
    plurals = {message for message in _extracted() if not isinstance(message, str)}
    assert plurals  # the extraction sees ngettext at all
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    entries = {m.id: m.string for m in catalog if isinstance(m.id, tuple)}
    missing = sorted(p[0] for p in plurals if tuple(p[:2]) not in entries)
    malformed = sorted(
        ids[0]
        for ids, forms in entries.items()
        if not (isinstance(forms, tuple) and len(forms) == 1 and forms[0])
    )
    assert missing == [] and malformed == []


def _extracted() -> list[str | tuple[str, ...]]:
    """Every message the code passes to a gettext function, as `make messages` finds them."""
    with (CHECKOUT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    keywords = {
        "_": None,
        "gettext": None,
        "lazy_gettext": None,
        "ngettext": (1, 2),
        "lazy_ngettext": (1, 2),
    }
    return [
        message
        for _, _, message, _, _ in extract_from_dir(
            str(CHECKOUT), method_map, options_map, keywords=keywords
        )
    ]


def test_pages_load_nothing_from_elsewhere(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_the_reporter_privacy_note_is_on_reporter_pages_only(client: FlaskClient) -> None:
    assert 'id="reporter-privacy"' in client.get("/").get_data(as_text=True)
    assert "Tor Browser" in client.get("/kasus").get_data(as_text=True)
    staff_page = client.get("/staff/login").get_data(as_text=True)
    assert "Tor Browser" not in staff_page and "alamat IP" not in staff_page


def test_staff_pages_have_a_footer_for_staff_not_the_reporters_one(client: FlaskClient) -> None:
    """The reporter footer (legal basis, whistleblower protection, LPSK) speaks to reporters."""
    public = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser").footer
    assert public is not None and "LPSK" in public.get_text()
    assert public.find(id="staff-footer") is None
    client.get("/bahasa/en")
    staff = BeautifulSoup(client.get("/staff/login").get_data(as_text=True), "html.parser")
    footer = staff.footer
    assert footer is not None
    text = footer.get_text(" ", strip=True)
    assert "LPSK" not in text and "Law No." not in text and "Tor Browser" not in text
    assert footer.find(id="staff-footer") is not None and "audit log" in text
