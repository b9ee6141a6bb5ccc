"""Words, not keys: no page of either console shows a stored key where a label belongs.

The crawl (tests/support/crawl.py) signs in as every staff role and as a reporter, in both
languages, and reads every page it can reach: text, option labels, chart titles, the attributes
screen readers announce. The keys it looks for are derived from the vocabularies themselves
(categories, statuses, outcomes, destinations, deadline kinds and states, report fields, audit
tags), so a value added later is checked without editing this list. Keys that are ordinary
words (``pungli``, ``selesai``, ``what``) are read as words on the pages and not searched for;
every key with an underscore is, and so is every audit tag and the ``staff:<id>`` actor.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from sipadu.audit.tags import GROUP_LABELS, TAG_LABELS
from sipadu.cases.deadlines import DeadlineKind, DeadlineState
from sipadu.cases.kinds import Category
from sipadu.cases.labels import REPORT_FIELD_LABELS
from sipadu.cases.statuses import Destination, Outcome, Status
from sipadu.reporting.forms import IDENTITY_FIELDS, REPORT_TEXT_FIELDS
from tests.audit.test_tag_labels import tags_written_by_the_code
from tests.support.crawl import Found
from tests.support.crawled_site import crawled_site

VOCABULARIES = (Category, Status, Outcome, Destination, DeadlineKind, DeadlineState)


def raw_keys() -> set[str]:
    """Every stored key that is not an ordinary word, from the enums and field lists."""
    values = {str(v) for vocabulary in VOCABULARIES for v in vocabulary}
    values |= {f.name for f in (*REPORT_TEXT_FIELDS, *IDENTITY_FIELDS)} | set(REPORT_FIELD_LABELS)
    return {v for v in values if "_" in v} | tags_written_by_the_code() | set(TAG_LABELS)


def raw_key_pattern() -> re.Pattern[str]:
    """The keys as whole tokens, plus any ``<group>:`` tag prefix before a word or a digit
    (``staff:4``, ``case:viewed``); "Staff: budi" in a sentence is not a key."""
    keys = sorted(raw_keys(), key=len, reverse=True)
    prefixes = sorted(
        {p.rstrip(":") for p in GROUP_LABELS} | {k.split(":")[0] for k in keys if ":" in k}
    )
    alternatives = [re.escape(k) for k in keys] + [rf"{re.escape(p)}:\w" for p in prefixes]
    return re.compile(rf"(?<![\w:])(?:{'|'.join(alternatives)})")


def test_the_key_list_is_derived_and_catches_what_it_must() -> None:
    pattern = raw_key_pattern()
    for raw in ("source_of_knowledge", "penyalahgunaan_wewenang", "staff:4", "case:viewed"):
        assert pattern.search(f"Kategori: {raw}."), raw
    assert "tidak_dapat_ditindaklanjuti" in raw_keys()
    assert "due_soon" in raw_keys()
    for words in ("Staf: budi", "Penyalahgunaan jabatan atau wewenang", "Pungutan liar (pungli)"):
        assert not pattern.search(words), words


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Found:
    """Every page in Indonesian (the crawl the form check makes), then again in English
    (built once per test run, tests/support/crawled_site.py)."""
    return crawled_site(tmp_path_factory).found


def test_no_page_shows_a_raw_key(crawled: Found) -> None:
    pattern = raw_key_pattern()
    shown = {
        page: sorted(set(pattern.findall(text)))
        for page, text in crawled.texts.items()
        if pattern.search(text)
    }
    assert shown == {}


def test_the_crawl_read_the_pages_that_show_keys(crawled: Found) -> None:
    """The check above is only worth something if it read the pages full of keys."""
    visited = " ".join(crawled.texts)
    for role in ("supervisor", "investigator", "admin", "auditor", "reporter"):
        for language in ("id", "en"):
            assert f"{role} ({language})" in visited
    for page in ("/petugas/kasus", "/auditor/", "/auditor/statistics", "/admin/", "/kasus/saya"):
        assert any(key.endswith(f" {page}") for key in crawled.texts), page
    assert any("/petugas/kasus/" in key for key in crawled.texts)


def test_every_button_reads_as_its_label_in_a_text_browser(crawled: Found) -> None:
    """Text browsers print a ``<button>``'s value, or "(BUTTON)", before its label ("(txt)
    Download"): every button is a submit input whose value is its label, and a choice
    travels in its name (sipadu/web/buttons.py)."""
    shown = {}
    for page, html in crawled.html.items():
        buttons = BeautifulSoup(html, "html.parser").find_all("button")
        if buttons:
            shown[page] = [str(button) for button in buttons]
    assert shown == {}
