"""The admin's holiday list: parsing, errors that name the line, round trip."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from hypothesis import given
from hypothesis import strategies as st

from sipadu.cases.holidays import (
    HolidayParseError,
    format_holidays,
    parse_holiday_lines,
)
from sipadu.resources import PACKAGE_DIR


def _holiday_dates(text: str) -> frozenset[date]:
    return frozenset(parse_holiday_lines(text))


LIST = """# Libur 2027
2027-01-01   # Tahun Baru
2027-03-08# cuti bersama

  2027-08-17 # HUT RI # kemerdekaan
2027-01-01
"""


def test_a_good_list() -> None:
    assert parse_holiday_lines(LIST) == {
        date(2027, 1, 1): "Tahun Baru",
        date(2027, 3, 8): "cuti bersama",
        date(2027, 8, 17): "HUT RI # kemerdekaan",
    }
    assert _holiday_dates("") == frozenset()
    assert _holiday_dates("\r\n# only a comment\r\n2027-12-25\r\n") == {date(2027, 12, 25)}


def test_every_bad_line_is_named() -> None:
    text = "2027-01-01\n17-08-2027\n2027-02-30 # no such day\n1999-12-31\n2027-13-01\nbesok\n"
    with pytest.raises(HolidayParseError) as info:
        _holiday_dates(text)
    problems = info.value.problems
    assert [p.line_number for p in problems] == [2, 3, 4, 5, 6]
    message = str(info.value)
    assert "Line 2" in message and "17-08-2027" in message and "YYYY-MM-DD" in message
    assert "2027-02-30 does not exist" in message
    assert "2000" in message and "Line 6" in message


@pytest.mark.parametrize(
    "value",
    ["20270101", "2027-W01-1", "2027-1-1", "2027-01-01T00:00", "\uff12\uff10\uff12\uff17-01-01"],
)  # full-width digits
def test_only_plain_iso_dates(value: str) -> None:
    with pytest.raises(HolidayParseError):
        _holiday_dates(value)


def test_limits() -> None:
    with pytest.raises(HolidayParseError):
        _holiday_dates("2027-01-01\n" * 1001)
    with pytest.raises(HolidayParseError) as info:
        _holiday_dates("2027-01-01 # " + "x" * 300)
    assert "Line 1" in str(info.value)
    with pytest.raises(HolidayParseError) as info:
        _holiday_dates("y" * 300)
    assert info.value.problems[0].text.endswith("…") and len(str(info.value)) < 200


def test_errors_are_bilingual() -> None:
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    Babel(app)
    with pytest.raises(HolidayParseError) as info:
        _holiday_dates("2027-01-01\nbesok")
    with app.test_request_context(), force_locale("id"):
        indonesian = str(info.value)
    assert "2" in indonesian and "besok" in indonesian and indonesian != str(info.value)


comments = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30)


@given(
    st.dictionaries(
        st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), comments, max_size=40
    )
)
def test_format_parses_back(holidays: dict[date, str]) -> None:
    parsed = parse_holiday_lines(format_holidays(holidays))
    assert set(parsed) == set(holidays)
    assert all(parsed[d] == " ".join(c.split()).strip() for d, c in holidays.items())
