"""Operator intake: an intake officer files a report for someone who came to a counter, wrote
a letter, called, e-mailed, messaged or was referred from social media, and hands them the
case key on a printed slip. The key is in that one response only; the officer holds no
grant, so they cannot read the case afterwards (docs/reporting.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from sipadu.app_context import current_settings
from sipadu.cases.labels import CHANNEL_LABELS
from sipadu.cases.service import ServiceNotReadyError
from sipadu.db import db_session
from sipadu.reporting.forms import CATEGORY_LABELS, IDENTITY_FIELDS, REPORT_TEXT_FIELDS
from sipadu.reporting.readiness import ReportsNotAcceptedError, requires_case_readers
from sipadu.reporting.service import file_on_behalf
from sipadu.reporting.validation import ReportValidationError, kept_values, validate_report
from sipadu.reporting.views import (
    already_sent_form,
    follow_up_url,
    new_form_id,
    remember_sent_form,
)
from sipadu.roles import StaffRole
from sipadu.units.agencies import active_agency_codes, list_agencies
from sipadu.units.areas import area_groups
from sipadu.web.argon2_gate import admit
from sipadu.web.auth import current_principal, require_roles
from sipadu.web.nav import add_staff_nav
from sipadu.web.ratelimit import limiter

bp = Blueprint("intake", __name__, url_prefix="/petugas/penerimaan")
add_staff_nav(
    "intake.new_report",
    lazy_gettext("File a report"),
    (StaffRole.INTAKE_OFFICER,),
    order=5,
)
# Per officer, not per address: one counter's network files many reports (the address still
# has the application's overall limit).
INTAKE_LIMITS = "10 per minute;120 per hour"
REFILED_MARK = "intake_refiled"  # set by the redirect of a resubmission, read once


def _officer_key() -> str:
    principal = current_principal()
    return f"intake-{principal.staff_id if principal is not None else 'none'}"


def _form(
    status: int = 200, values: Mapping[str, str] | None = None, errors: Any = None
) -> tuple[str, int]:
    return render_template(
        "reporting/intake.html",
        values=values or {},
        errors=errors or {},
        categories=CATEGORY_LABELS,
        channels=CHANNEL_LABELS,
        text_fields=REPORT_TEXT_FIELDS,
        identity_fields=IDENTITY_FIELDS,
        area_groups=area_groups(gettext("Kota or kabupaten only")),
        agencies=list_agencies(db_session(), active_only=True),
        form_id=new_form_id(),
    ), status


@bp.get("")
@require_roles(StaffRole.INTAKE_OFFICER)
def new_report() -> ResponseReturnValue:
    """The form an intake officer fills in with the person (or from their letter or call)."""
    return _form()


@bp.post("")
@require_roles(StaffRole.INTAKE_OFFICER)
@limiter.limit(INTAKE_LIMITS, key_func=_officer_key)
@requires_case_readers
def file_report() -> ResponseReturnValue:
    """File the report and show the hand-over slip with the case key, once: a reload or a
    second click of the same form (its ``form_id``) lands on the "already filed" page."""
    form_id = request.form.get("form_id", "")[:64]
    if already_sent_form(form_id):
        session[REFILED_MARK] = True
        return redirect(url_for("intake.already_filed"), code=303)
    values = kept_values(request.form)
    channel = values.get("channel", "")
    try:
        valid = validate_report(values, active_agency_codes(db_session()))
    except ReportValidationError as error:
        return _form(422, values, _channel_error(channel, error.errors))
    if channel not in CHANNEL_LABELS:
        return _form(422, values, _channel_error(channel, {}))
    principal = current_principal()
    assert principal is not None  # noqa: S101  (require_roles ran)
    try:
        with admit():
            created = file_on_behalf(
                db_session(),
                valid.report,
                valid.identity,
                channel=channel,
                officer_id=int(principal.staff_id),
                settings=current_settings(),
            )
    except ServiceNotReadyError:
        raise ReportsNotAcceptedError() from None
    remember_sent_form(form_id)
    key = created.case_key
    return render_template(
        "reporting/intake_slip.html",
        groups=key.split("-"),
        code=key[:10],
        follow_up_url=follow_up_url(),
    ), 201


@bp.get("/sudah-dikirim")
@require_roles(StaffRole.INTAKE_OFFICER)
def already_filed() -> ResponseReturnValue:
    """Where a reload or second click of a filed intake form lands: nothing filed twice, and
    the key is not shown again. Opened directly, it claims nothing was filed."""
    refiled = bool(session.pop(REFILED_MARK, False))
    return render_template("reporting/intake_already_filed.html", refiled=refiled)


def _channel_error(channel: str, errors: Mapping[str, Any]) -> dict[str, Any]:
    if channel in CHANNEL_LABELS:
        return dict(errors)
    return {**errors, "channel": lazy_gettext("Choose how the report reached you.")}
