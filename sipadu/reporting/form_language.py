"""Switching language on the report form without losing what was typed.

A language link is a GET: the form would come back empty. On the report form the language
buttons instead submit the form itself to this page (``formaction``), urlencoded so that no
file is uploaded, and the form comes back in the chosen language with every field as typed.
The typed text travels only in this POST body, never in a URL; nothing is stored.
"""

from __future__ import annotations

from flask import Blueprint, make_response, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.reporting.forms import HONEYPOT_FIELD
from sipadu.reporting.readiness import NOT_READY_FORM_TEXT, service_accepts_reports
from sipadu.reporting.views import render_report_form
from sipadu.web.auth import public
from sipadu.web.buttons import pressed_choice
from sipadu.web.i18n import LANGUAGES, remember_language, use_language_now
from sipadu.web.user_errors import UserFacingError

bp = Blueprint("report_language", __name__)

# Sent by the form but not typed by the reporter: a fresh form gets its own.
NOT_TYPED = {"csrf_token", "form_id", "attachments", HONEYPOT_FIELD}
FILES_AGAIN_TEXT = lazy_gettext("Files are not kept when the language changes: attach them again.")


@bp.post("/laporan/bahasa")
@public
def switch_language_keeping_report() -> ResponseReturnValue:
    """The report form again in the chosen language, with what was typed; files (sent here
    only as their names) must be attached again."""
    code = pressed_choice(request.form, "lang")
    if code not in LANGUAGES:
        raise UserFacingError()
    use_language_now(code)
    values = {
        name: value
        for name, value in request.form.items()
        if name not in NOT_TYPED and not name.startswith("lang.")
    }
    had_files = any(name for name in request.form.getlist("attachments"))
    page, status = render_report_form(
        values=values,
        message=None if service_accepts_reports() else NOT_READY_FORM_TEXT,
        files_note=FILES_AGAIN_TEXT if had_files else None,
    )
    response = make_response(page, status)
    remember_language(response, code)
    return response
