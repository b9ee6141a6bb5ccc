"""The report's chosen values in words and its amount in Rupiah, wherever a report is shown:
the staff case page (both languages), the export PDF's text and the reporter's own copy."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.cases.labels import rupiah
from sipadu.confidential.export_content import _sections
from sipadu.confidential.models import ExportView
from sipadu.reporting.case_view import report_lines
from sipadu.web.i18n import LANG_COOKIE
from tests.casework.conftest import web_client
from tests.support.factories import make_case, make_staff

REPORT: dict[str, object] = {
    "category": "pungli",
    "what": "Pungutan untuk surat pengantar.",
    "amount": "2000000",
    "agency": "kelurahan",
    "location": "31.71.01.1001",
}


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("2000000", "Rp 2.000.000"),
        ("15.000.000", "Rp 15.000.000"),
        ("Rp 1.500,50", "Rp 1.500,50"),
        ("rp.750000", "Rp 750.000"),
        (15000000, "Rp 15.000.000"),
        ("sekitar dua juta", "sekitar dua juta"),  # an older record: shown as written
    ],
)
def test_an_amount_reads_as_rupiah(typed: object, shown: str) -> None:
    assert rupiah(typed) == shown


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_case_page_shows_words_and_rupiah(app: Flask, db: Session, language: str) -> None:
    supervisor = make_staff(app, db, "supervisor")
    db.commit()
    case = make_case(app, db, REPORT).case
    client = web_client(app, db, supervisor)
    client.set_cookie(LANG_COOKIE, language)
    page = client.get(f"/petugas/kasus/{case.code}").get_data(as_text=True)
    assert "Rp 2.000.000" in page and ">2000000<" not in page
    # The shipped agency is a description, translated; the place is a name, kept.
    agency = {"id": "Kantor kelurahan", "en": "Kelurahan office"}[language]
    assert agency in page and "(kelurahan)" not in page
    assert "Gambir" in page and "31.71.01.1001" not in page


def test_the_english_report_form_describes_in_english(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie(LANG_COOKIE, "en")
    page = client.get("/laporan").get_data(as_text=True)
    assert "Kelurahan office" in page and "Kantor kelurahan" not in page
    assert "Gambir (whole district)" in page and "kecamatan)" not in page
    assert "Dinas Bina Marga" in page  # a name reads the same in English


def test_the_export_and_the_reporter_copy_show_words_and_rupiah(app: Flask, db: Session) -> None:
    make_staff(app, db, "supervisor")
    db.commit()
    created = make_case(app, db, REPORT)
    with app.test_request_context():
        text = "\n".join(
            line
            for section in _sections(db, created.case, created.dek, ExportView.FULL)
            for line in section.paragraphs
        )
        copy = {
            str(line.label): line.value
            for line in report_lines(created.case, created.dek, {"kelurahan": "Kantor kelurahan"})
            or []
        }
    assert "Rp 2.000.000" in text and "2000000" not in text
    assert "Kantor kelurahan" in text and "(kelurahan)" not in text
    assert "31.71.01.1001" not in text
    assert "Rp 2.000.000" in copy.values() and "Kantor kelurahan" in copy.values()
