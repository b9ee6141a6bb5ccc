"""The auditor console: the audit log (filters, pages, CSV), its chain check, statistics."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TypeVar

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext, lazy_gettext

from sipadu.app_context import current_settings
from sipadu.audit.actors import staff_actor
from sipadu.audit.checkpoint import verify_since_checkpoint
from sipadu.audit.day_queue import finished_days_waiting, verify_queue
from sipadu.audit.recorder import audit
from sipadu.audit.service import is_day_only
from sipadu.audit.tags import tag_choices
from sipadu.auditor import service
from sipadu.auditor.words import words_for
from sipadu.cases.labels import category_label, deadline_label, status_label
from sipadu.cases.service import today
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.stats.suppress import suppress_counts
from sipadu.stats.svg import horizontal_bar_chart, monthly_column_chart
from sipadu.unit_of_work import end_transaction
from sipadu.web.auth import current_principal, require_roles
from sipadu.web.nav import add_staff_nav
from sipadu.web.user_errors import UserFacingError, error_page, plain_text_page

bp = Blueprint("auditor", __name__, url_prefix="/auditor")
add_staff_nav("auditor.log", lazy_gettext("Audit log"), (StaffRole.AUDITOR,), order=70)
add_staff_nav("auditor.stats", lazy_gettext("Statistics"), (StaffRole.AUDITOR,), order=71)
V = TypeVar("V")
BAD_DATES_TEXT = lazy_gettext("A date filter is not a date (use YYYY-MM-DD); nothing was exported.")


def _actor() -> str:
    principal = current_principal()
    assert principal is not None  # noqa: S101  (require_roles ran)
    return staff_actor(principal.staff_id)


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None  # a malformed date filters nothing rather than failing the page


def _malformed_dates() -> list[str]:
    """The date filters given that are not dates (YYYY-MM-DD), as typed."""
    return [
        request.args[name][:32]
        for name in ("from", "to")
        if request.args.get(name) and _date(name) is None
    ]


def _filters() -> service.AuditFilter:
    args = request.args
    return service.AuditFilter(
        tag=args.get("tag", "")[:64].strip(),
        actor=args.get("actor", "")[:64].strip(),
        case_code=args.get("case", "")[:32].strip(),
        date_from=_date("from"),
        date_to=_date("to"),
    )


@bp.get("/")
@require_roles(StaffRole.AUDITOR)
def log() -> str:
    """The audit log, newest first, with filters, pagination, the check of the rows written
    since the last verified one (the whole walk is `sipadu audit verify`) and the day queue."""
    db = db_session()
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101
    checked = verify_since_checkpoint(db, keyring.audit_hmac_key)
    queue = verify_queue(db, keyring.audit_hmac_key)
    waiting = finished_days_waiting(db)
    page = service.audit_page(db, _filters(), request.args.get("page", 1, type=int) or 1)
    audit("audit:viewed", actor=_actor())
    words = words_for(db, page.events)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "auditor/log.html",
        page=page,
        rows=list(zip(page.events, words, strict=True)),
        tag_choices=tag_choices(),
        actor_choices=service.actor_choices(db),
        report=checked.chain,
        checked=checked,
        queue=queue,
        waiting=waiting,
        args=args,
        filters=_filters(),
        day_only=is_day_only,
        bad_dates=_malformed_dates(),
    )


@bp.get("/export.csv")
@require_roles(StaffRole.AUDITOR)
@error_page(plain_text_page)
def export() -> Response:
    """The filtered log as CSV, streamed; the log holds no content, nor does the file."""
    if _malformed_dates():
        # Ignoring the filter would export more than the auditor asked for.
        raise UserFacingError(BAD_DATES_TEXT)
    db = db_session()
    audit("audit:exported", actor=_actor())  # committed before the first row streams out
    filters = _filters()

    def rows() -> Iterator[str]:
        try:
            yield from service.audit_csv(db, filters)
        finally:
            # End the read transaction as soon as the last row is out: on SQLite an open
            # reader would hold up the next writer until the response object is closed.
            end_transaction(db)

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="sipadu-audit.csv"'
    return response


def _relabel(series: Mapping[str, V], label: Callable[[str], str]) -> dict[str, V]:
    """The same figures keyed by their labels (categories and statuses in words)."""
    return {label(key): value for key, value in series.items()}


@bp.get("/statistics")
@require_roles(StaffRole.AUDITOR)
def stats() -> str:
    """Counts, deadline compliance and time to close; cells under 5 shown as "< 5"."""
    figures = service.statistics(db_session(), today())
    tables = {
        "category": (
            gettext("Cases by category"),
            suppress_counts(_relabel(figures.by_category, category_label)),
        ),
        "status": (
            gettext("Cases by status"),
            suppress_counts(_relabel(figures.by_status, status_label)),
        ),
        "unit": (gettext("Cases by unit of work"), suppress_counts(figures.by_unit)),
        "month": (gettext("Cases by month received"), suppress_counts(figures.by_month)),
        "rating": (
            gettext("Reporters' ratings of the handling (score 1 to 5)"),
            suppress_counts(
                {gettext("Score %(score)s", score=k): v for k, v in figures.by_rating.items()}
            ),
        ),
    }
    charts = {
        key: (
            monthly_column_chart(series, title=title, chart_id=f"chart-{key}")
            if key == "month"
            else horizontal_bar_chart(series, title=title, chart_id=f"chart-{key}")
        )
        for key, (title, series) in tables.items()
    }
    return render_template(
        "auditor/stats.html",
        figures=figures,
        compliance=_relabel(figures.compliance, deadline_label),
        tables=tables,
        charts=charts,
        total=suppress_counts({"total": figures.total}).cells[0],
    )
