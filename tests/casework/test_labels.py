"""Every stored value staff meet has a label, in both languages (sipadu/cases/labels.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from sipadu.cases.deadlines import DeadlineKind
from sipadu.cases.kinds import Category, IntakeChannel
from sipadu.cases.labels import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    REPORT_FIELD_LABELS,
    category_label,
    deadline_label,
    file_size_label,
    report_field_label,
    report_value,
    status_label,
)
from sipadu.cases.statuses import Status
from sipadu.reporting.forms import CATEGORY_LABELS as REPORTER_CATEGORY_LABELS
from sipadu.reporting.forms import REPORT_TEXT_FIELDS
from sipadu.reporting.validation import validate_report
from sipadu.resources import PACKAGE_DIR


@pytest.fixture
def babel_app() -> Flask:
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    Babel(app)
    return app


def test_every_report_field_and_category_has_a_label() -> None:
    # Every key a filled-in form puts in the sealed report, the place and agency lists
    # among them (a list of text fields alone missed those), and no label for nothing.
    filled = {spec.name: "12.000" for spec in REPORT_TEXT_FIELDS}
    filled |= {"category": "pungli", "location": "31.71.01", "agency": "dinas-x"}
    stored = set(validate_report(filled, {"dinas-x"}).report)
    assert stored == set(REPORT_FIELD_LABELS)
    assert set(CATEGORY_LABELS) == set(Category)
    assert set(CHANNEL_LABELS) == set(IntakeChannel)


def test_staff_and_reporter_read_the_same_category_words(babel_app: Flask) -> None:
    with babel_app.test_request_context(), force_locale("id"):
        for category in Category:
            assert category_label(category) == str(REPORTER_CATEGORY_LABELS[category])


def test_labels_in_both_languages_and_unknown_values_as_they_are(babel_app: Flask) -> None:
    with babel_app.test_request_context():
        english = [
            report_field_label("source_of_knowledge"),
            category_label("penyalahgunaan_wewenang"),
            status_label(Status.TIDAK_DAPAT_DITINDAKLANJUTI),
            deadline_label(DeadlineKind.ACKNOWLEDGE),
        ]
        assert english == [
            "How the reporter knows",
            "Abuse of office or authority",
            "Cannot proceed",
            "Acknowledge receipt",
        ]
        with force_locale("id"):
            indonesian = [
                report_field_label("source_of_knowledge"),
                category_label("penyalahgunaan_wewenang"),
                status_label(Status.TIDAK_DAPAT_DITINDAKLANJUTI),
                deadline_label(DeadlineKind.ACKNOWLEDGE),
            ]
            assert report_value("category", "pungli") == "Pungutan liar (pungli)"
        assert all(a != b for a, b in zip(english, indonesian, strict=True))
        assert report_field_label("new_field") == "new_field"
        assert report_value("what", "Isi laporan") == "Isi laporan"
        assert status_label(None) == ""


def test_file_sizes_read_as_kb_and_mb_in_the_visitors_language(babel_app: Flask) -> None:
    with babel_app.test_request_context():
        assert [file_size_label(n) for n in (0, 999, 1000, 48_213, 3_400_000)] == [
            "0 B",
            "999 B",
            "1 KB",
            "48 KB",
            "3.4 MB",
        ]
        with force_locale("id"):
            assert file_size_label(3_400_000) == "3,4 MB"
        assert file_size_label("not a size") == "0 B"
