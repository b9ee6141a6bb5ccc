"""One date format per language on staff pages: a day reads "7 December 2026" in English
and "7 Desember 2026" in Indonesian wherever it is shown (inbox, case page), never the ISO
form beside a written-out one; machine-readable ``datetime`` attributes keep ISO."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.web.dates import wib_date, wib_time
from sipadu.web.i18n import LANG_COOKIE, use_language_now
from tests.casework.conftest import Team, web_client

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ENGLISH_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
WRITTEN_DAY = re.compile(rf"\b\d{{1,2}} ({ENGLISH_MONTHS}) \d{{4}}\b")


def _visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["input", "select", "textarea", "script", "style"]):
        hidden.decompose()
    return soup.get_text(" ", strip=True)


def test_the_filters_write_one_format_per_language(app: Flask) -> None:
    moment = datetime(2026, 12, 7, 20, 5, tzinfo=UTC)  # already 8 December in Jakarta
    with app.test_request_context("/"):
        use_language_now("en")
        assert wib_date(date(2026, 12, 7)) == "7 December 2026"
        assert wib_date(moment) == "8 December 2026"
        assert wib_time(moment) == "8 December 2026, 03:05"
        use_language_now("id")
        assert wib_date(date(2026, 12, 7)) == "7 Desember 2026"
        assert wib_time(moment) == "8 Desember 2026, 03:05"


def test_inbox_and_case_page_show_days_written_out(app: Flask, db: Session, team: Team) -> None:
    client = web_client(app, db, team.supervisor)
    client.set_cookie(LANG_COOKIE, "en")
    code = team.created.case.code
    for path in ("/petugas/kasus", f"/petugas/kasus/{code}"):
        text = _visible_text(client.get(path).get_data(as_text=True))
        assert ISO_DAY.findall(text) == [], path
        assert WRITTEN_DAY.search(text) is not None, path
