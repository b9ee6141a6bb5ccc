"""How every page shows a day and a time: one format per language, always Jakarta's.

Pages used to mix ISO days (2026-12-07), written-out days and Babel's "long" format, so an
English reader met three spellings of one date. Every shown day now goes through
``wib_date`` ("7 December 2026" / "7 Desember 2026") and every shown time through
``wib_time`` (the same day with the hour, "7 December 2026, 14:05"); the surrounding text
says "(WIB)" where a time is shown. Machine-readable values (``<time datetime>``, form
fields, CSV and API answers) stay ISO.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from flask import Flask
from flask_babel import get_locale

from sipadu.days import WIB, wib_day

DAY_PATTERN = "d MMMM y"
TIME_PATTERN = "d MMMM y, HH:mm"


def wib_date(value: date | datetime) -> str:
    """A day in the page's language; a timestamp gives its day in Jakarta."""
    day = wib_day(value) if isinstance(value, datetime) else value
    return str(format_date(day, DAY_PATTERN, locale=get_locale()))


def wib_time(moment: datetime) -> str:
    """A timestamp's Jakarta day and time to the minute, in the page's language."""
    return str(format_datetime(moment, TIME_PATTERN, tzinfo=WIB, locale=get_locale()))


def register_date_filters(app: Flask) -> None:
    """Expose the two formats to templates (``|wib_date``, ``|wib_time``)."""
    app.jinja_env.filters.update(wib_date=wib_date, wib_time=wib_time)
