"""Indonesia's public holidays and cuti bersama count out of the box; the admin's list adds
days and removes national ones."""

from __future__ import annotations

from datetime import date

import pytest

from sipadu.cases.deadlines import add_working_days, is_working_day
from sipadu.cases.holidays import HolidayParseError, format_holidays, parse_holiday_edits
from sipadu.cases.national_holidays import national_holidays, national_holidays_of
from sipadu.effective_settings import resolve_settings
from sipadu.settings import settings_from_env

# Public holidays (Keppres / SKB 2026 and 2027) and cuti bersama, known dates.
PUBLIC_2026 = [date(2026, 1, 1), date(2026, 3, 19), date(2026, 8, 17), date(2026, 12, 25)]
CUTI_BERSAMA_2026 = [date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24), date(2026, 12, 24)]
PUBLIC_2027 = [date(2027, 1, 1), date(2027, 3, 26), date(2027, 8, 17), date(2027, 12, 25)]
CUTI_BERSAMA_2027 = [date(2027, 2, 5), date(2027, 12, 24)]


def test_the_national_calendar_holds_public_holidays_and_cuti_bersama() -> None:
    calendar = national_holidays(date(2026, 12, 7))
    for day in PUBLIC_2026 + CUTI_BERSAMA_2026 + PUBLIC_2027 + CUTI_BERSAMA_2027:
        assert day in calendar, day
    assert "Cuti Bersama" in calendar[date(2026, 3, 20)]
    assert date(2026, 3, 25) not in calendar  # an ordinary Wednesday after Lebaran
    assert set(national_holidays_of(2027)) <= {d for d in calendar if d.year == 2027}


def test_deadlines_skip_lebaran_2026_out_of_the_box() -> None:
    holidays = resolve_settings(settings_from_env({}), None).holiday_dates
    assert not is_working_day(date(2026, 3, 20), holidays)
    # Wed 18 Mar (cuti bersama Nyepi) .. Tue 24 Mar are all off: 3 working days after
    # Tue 17 Mar are Wed 25, Thu 26 and Fri 27 Mar.
    assert add_working_days(date(2026, 3, 17), 3, holidays) == date(2026, 3, 27)
    assert add_working_days(date(2026, 3, 17), 3) == date(2026, 3, 20)


def test_the_admin_adds_a_regional_day_and_removes_a_cuti_bersama() -> None:
    edits = "2027-04-12  # HUT Kota\n-2027-12-24  # kantor tetap buka\n"
    holidays = resolve_settings(settings_from_env({}), {"holidays": edits}).holiday_dates
    assert not is_working_day(date(2027, 4, 12), holidays)
    assert is_working_day(date(2027, 12, 24), holidays)
    assert not is_working_day(date(2027, 8, 17), holidays)


def test_the_edits_round_trip_and_report_a_bad_removal() -> None:
    edits = parse_holiday_edits("-2027-12-24 # buka\n2027-04-12\n")
    assert edits.removed == {date(2027, 12, 24): "buka"}
    assert edits.added == {date(2027, 4, 12): ""}
    assert parse_holiday_edits(format_holidays(edits.added, edits.removed)) == edits
    with pytest.raises(HolidayParseError) as raised:
        parse_holiday_edits("-24-12-2027")
    assert raised.value.problems[0].line_number == 1
