"""Indonesia's national calendar out of the box: public holidays and *cuti bersama*.

Both come from the ``holidays`` package: its ``public`` category (the national public
holidays) and its ``government`` category (the *cuti bersama* of the joint ministerial decree,
SKB tiga menteri). Islamic holidays of years the government has not yet decreed are the
package's estimates, named "(perkiraan)"; the admin corrects any day in the settings
(``holidays.py``: added days and removed days).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sipadu.days import wib_today

# Deadlines of old cases (statistics, the auditor's view) and of the next years are computed
# with the calendar of their own year.
YEARS_BACK, YEARS_AHEAD = 10, 3
_CATEGORIES = ("public", "government")


@lru_cache(maxsize=4)
def _calendar(first_year: int, last_year: int) -> dict[date, str]:
    import holidays  # a tenth of a second: imported when a calendar is first asked for

    days = holidays.country_holidays(
        "ID", years=range(first_year, last_year + 1), categories=_CATEGORIES, language="id"
    )
    return {day: str(name) for day, name in sorted(days.items())}


def national_holidays(today: date | None = None) -> dict[date, str]:
    """Public holidays and cuti bersama from ``YEARS_BACK`` years before ``today``'s year to
    ``YEARS_AHEAD`` years after it, as ``{date: Indonesian name}`` (a copy: callers may edit)."""
    year = (today or wib_today()).year
    return dict(_calendar(year - YEARS_BACK, year + YEARS_AHEAD))


def national_holidays_of(year: int) -> dict[date, str]:
    """One year's national days, for the admin's reference list."""
    return {day: name for day, name in _calendar(year, year).items() if day.year == year}
