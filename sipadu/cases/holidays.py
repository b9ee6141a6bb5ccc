"""The holiday edits an admin types: one ISO date per line, an optional comment after ``#``.

The national calendar (public holidays and *cuti bersama*, ``national_holidays.py``) applies
without any edit. A plain date adds a day off (a regional holiday, an office closure); a date
after ``-`` removes a national day (the office works that day):

    2027-04-12  # HUT Kota
    -2027-12-24  # cuti bersama: kantor tetap buka

Every bad line is reported at once, each naming its line number and what is wrong, in the
visitor's language, so the admin can fix the list in one go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext

MAX_LINES = 1000
MAX_LINE_CHARS = 200
FIRST_YEAR, LAST_YEAR = 2000, 2100
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_SHOWN_CHARS = 40


@dataclass(frozen=True)
class HolidayProblem:
    """One bad line: its number (from 1), its text (shortened) and a translatable message."""

    line_number: int
    text: str
    message: Any

    def __str__(self) -> str:
        return str(self.message)


class HolidayParseError(ValueError):
    """The holiday list has bad lines; ``problems`` lists every one of them."""

    def __init__(self, problems: list[HolidayProblem]) -> None:
        super().__init__(problems)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


@dataclass(frozen=True)
class HolidayEdits:
    """The admin's list: days added to the national calendar and national days removed."""

    added: Mapping[date, str]
    removed: Mapping[date, str]

    def apply_to(self, national: Mapping[date, str]) -> dict[date, str]:
        """The calendar in force: ``national`` plus the added days, minus the removed ones."""
        calendar = {day: name for day, name in national.items() if day not in self.removed}
        calendar.update(self.added)
        return calendar


NO_EDITS = HolidayEdits({}, {})


def _parse_line(number: int, raw: str) -> tuple[date | None, str, HolidayProblem | None]:
    if len(raw) > MAX_LINE_CHARS:
        return (
            None,
            "",
            HolidayProblem(
                number, _shown(raw), lazy_gettext("Line %(number)s is too long.", number=number)
            ),
        )
    value, _, comment = raw.partition("#")
    value, comment = value.strip(), comment.strip()
    if not value:
        return None, comment, None
    match = _ISO_DATE.match(value)
    if match is None:
        return (
            None,
            "",
            HolidayProblem(
                number,
                _shown(value),
                lazy_gettext(
                    "Line %(number)s: “%(text)s” is not a date written as YYYY-MM-DD "
                    "(for example 2027-08-17).",
                    number=number,
                    text=_shown(value),
                ),
            ),
        )
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return (
            None,
            "",
            HolidayProblem(
                number,
                value,
                lazy_gettext(
                    "Line %(number)s: %(text)s does not exist in the calendar.",
                    number=number,
                    text=value,
                ),
            ),
        )
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return (
            None,
            "",
            HolidayProblem(
                number,
                value,
                lazy_gettext(
                    "Line %(number)s: %(text)s is not between the years %(first)s and %(last)s.",
                    number=number,
                    text=value,
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                ),
            ),
        )
    return day, comment, None


def parse_holiday_lines(text: str) -> dict[date, str]:
    """The days the admin's list adds, as ``{date: comment}``; see ``parse_holiday_edits``."""
    return dict(parse_holiday_edits(text).added)


def parse_holiday_edits(text: str) -> HolidayEdits:
    """Parse the admin's list, or raise ``HolidayParseError`` naming every bad line.

    Blank lines and comment-only lines are skipped; a date listed twice keeps its first
    comment; a line starting with ``-`` removes that date.
    """
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise HolidayParseError(
            [
                HolidayProblem(
                    MAX_LINES + 1,
                    "",
                    lazy_gettext("The list is too long: at most %(limit)s lines.", limit=MAX_LINES),
                )
            ]
        )
    added: dict[date, str] = {}
    removed: dict[date, str] = {}
    problems: list[HolidayProblem] = []
    for number, raw in enumerate(lines, start=1):
        is_removal = raw.lstrip().startswith("-")
        day, comment, problem = _parse_line(
            number, raw.lstrip().removeprefix("-") if is_removal else raw
        )
        if problem is not None:
            problems.append(problem)
        elif day is not None:
            (removed if is_removal else added).setdefault(day, comment)
    if problems:
        raise HolidayParseError(problems)
    return HolidayEdits(added, removed)


def _format_lines(holidays: Mapping[date, str], prefix: str) -> list[str]:
    lines = []
    for day in sorted(holidays):
        comment = " ".join(holidays[day].split())
        text = f"{prefix}{day.isoformat()}"
        lines.append(f"{text}  # {comment}" if comment else text)
    return lines


def format_holidays(holidays: Mapping[date, str], removed: Mapping[date, str] | None = None) -> str:
    """The list back as text, sorted, one date per line with its comment (added days, then
    removed ones after ``-``): parses to itself."""
    lines = _format_lines(holidays, "") + _format_lines(removed or {}, "-")
    return "\n".join(lines) + ("\n" if lines else "")
