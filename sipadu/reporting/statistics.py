"""The public statistics page: a year's figures, month by month, and every year's totals.

Anyone may open it, so every count goes through small-cell suppression (``sipadu.stats``):
1 to 4 shows as "< 5" and a cell that would reveal one is hidden. Charts are server-drawn SVG
(no JavaScript); each has its table. Labels are the citizen words the reporter pages use.
The figures are a snapshot per WIB day (``sipadu.reporting.public_snapshot``), so filing a
report never changes the page the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import format_date, gettext, lazy_gettext
from markupsafe import Markup

from sipadu.cases.deadlines import KIND_LABELS, DeadlineKind
from sipadu.cases.kinds import CATEGORIES
from sipadu.cases.statuses import STATUS_TEXTS, Status
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.reporting.forms import CATEGORY_LABELS
from sipadu.reporting.public_snapshot import public_records
from sipadu.stats.compute import CaseRecord
from sipadu.stats.suppress import Cell, SuppressedSeries, suppress_counts
from sipadu.stats.svg import horizontal_bar_chart, monthly_column_chart
from sipadu.stats.yearly import YearFigures, year_figures, yearly_totals, years_with_cases
from sipadu.web.auth import public
from sipadu.web.dates import wib_date
from sipadu.web.user_errors import NotFoundError

bp = Blueprint("statistics", __name__)
CHART_NAMES = ("received", "closed", "category", "status", "years")
NO_SUCH_YEAR_TEXT = lazy_gettext("There are no statistics for that year.")


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return str(format_date(date(int(year), int(number), 1), "MMM y"))


def _status_label(key: str) -> str:
    try:
        return str(STATUS_TEXTS[Status(key)].reporter_label)
    except ValueError:
        return key


def _one(count: int) -> Cell:
    return suppress_counts({"n": count}).cells[0]


def _tables(figures: YearFigures) -> dict[str, tuple[str, SuppressedSeries, Markup]]:
    """Each breakdown: its title, suppressed series, and chart."""
    series = {
        "received": (
            gettext("Reports received per month"),
            {_month_label(k): v for k, v in figures.received_by_month.items()},
        ),
        "closed": (
            gettext("Cases closed per month"),
            {_month_label(k): v for k, v in figures.closed_by_month.items()},
        ),
        "category": (
            gettext("Reports by kind of wrongdoing"),
            {str(CATEGORY_LABELS.get(k, k)): v for k, v in figures.by_category.items()},
        ),
        "status": (
            gettext("Reports by where they stand now"),
            {_status_label(k): v for k, v in figures.by_status.items()},
        ),
    }
    tables = {}
    for key, (title, counts) in series.items():
        published = suppress_counts(counts)
        draw = monthly_column_chart if key in ("received", "closed") else horizontal_bar_chart
        tables[key] = (title, published, draw(published, title=title, chart_id=f"chart-{key}"))
    return tables


def _yearly(records: list[CaseRecord], years: list[int]) -> dict[str, Any]:
    totals = yearly_totals(records, years)
    received = suppress_counts({str(y): totals[y][0] for y in years})
    closed = suppress_counts({str(y): totals[y][1] for y in years})
    title = gettext("Reports received per year")
    chart = horizontal_bar_chart(received, title=title, chart_id="chart-years")
    rows = list(zip(received.cells, closed.cells, strict=True))
    return {"title": title, "rows": rows, "chart": chart}


@dataclass(frozen=True)
class ChosenYear:
    """The day's snapshot and the year asked for (``?tahun=2026``, this year by default)."""

    today: date
    records: list[CaseRecord]
    years: list[int]
    figures: YearFigures


def _chosen_year() -> ChosenYear:
    today = wib_today()
    records = public_records(db_session(), today)
    years = years_with_cases(records, today)
    chosen = request.args.get("tahun", str(today.year))
    if not chosen.isdigit() or int(chosen) not in years:
        raise NotFoundError(NO_SUCH_YEAR_TEXT)
    figures = year_figures(records, int(chosen), categories=CATEGORIES)
    return ChosenYear(today, records, years, figures)


@bp.get("/statistik")
@public
def page() -> str:
    """A year's figures (``?tahun=2026``, this year by default) and every year's totals.

    The figures are the day's snapshot (``public_snapshot``): they change once a day."""
    chosen = _chosen_year()
    figures = chosen.figures
    compliance = [
        (KIND_LABELS[DeadlineKind(kind)], percent) for kind, percent in figures.compliance.items()
    ]
    return render_template(
        "public/statistics.html",
        year=figures.year,
        as_of=wib_date(chosen.today),
        years=chosen.years,
        received=_one(figures.received),
        closed=_one(figures.closed),
        tables=_tables(figures),
        compliance=compliance,
        yearly=_yearly(chosen.records, chosen.years),
    )


@bp.get("/statistik/grafik/<name>.svg")
@public
def chart(name: str) -> Response:
    """One chart of the page, as an image. The page shows it with an empty text alternative
    because the table below it carries the same figures: drawn inline, a text browser (lynx)
    read every label and value of the chart as one run-together line before the table."""
    if name not in CHART_NAMES:
        raise NotFoundError()
    chosen = _chosen_year()
    if name == "years":
        drawn = _yearly(chosen.records, chosen.years)["chart"]
    else:
        drawn = _tables(chosen.figures)[name][2]
    return Response(str(drawn), mimetype="image/svg+xml")
