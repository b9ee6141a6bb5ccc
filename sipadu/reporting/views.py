"""New report pages: the form, the one-time case key page, and its download/print copies.

The key exists only in the body of the POST response that created the case (and in what the
reporter posts back to download or print it). To stop a reload from filing twice, each form
carries a random ``form_id``; after a successful submission that id is remembered in the
Flask session (which never holds the key), and a resubmission of it is redirected to a page
saying the report was already received — the key is not shown again.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    Response,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from sipadu.app_context import current_settings
from sipadu.cases.service import ServiceNotReadyError
from sipadu.crypto.casekey import format_case_key, parse_case_key
from sipadu.crypto.errors import CaseKeyError
from sipadu.db import db_session
from sipadu.reporting.files import RefusedFile, sort_uploads
from sipadu.reporting.forms import (
    CATEGORY_LABELS,
    HONEYPOT_FIELD,
    IDENTITY_FIELDS,
    REPORT_TEXT_FIELDS,
)
from sipadu.reporting.readiness import (
    NOT_READY_FORM_TEXT,
    ReportsNotAcceptedError,
    requires_case_readers,
    service_accepts_reports,
)
from sipadu.reporting.service import submit_report
from sipadu.reporting.upload_limits import upload_limit_texts
from sipadu.reporting.validation import ReportValidationError, kept_values, validate_report
from sipadu.units.agencies import active_agency_codes, list_agencies
from sipadu.units.areas import area_groups
from sipadu.uploads.multipart import accepts_uploads
from sipadu.web.argon2_gate import admit
from sipadu.web.auth import public
from sipadu.web.buttons import pressed_choice
from sipadu.web.i18n import LANGUAGES, remember_language, use_language_now
from sipadu.web.ratelimit import SUBMIT_LIMITS, limiter
from sipadu.web.security import csrf_checked_after_limits
from sipadu.web.user_errors import UserFacingError

bp = Blueprint("reporting", __name__)


@bp.app_context_processor
def _upload_limits() -> dict[str, object]:
    """``upload_limits()`` for the reporter's forms: the limits in force, formatted (read
    only by the pages that name them)."""
    return {"upload_limits": upload_limit_texts}


SENT_FORMS_KEY = "sent_report_forms"
MAX_REMEMBERED_FORMS = 10
RESENT_MARK = "report_resent"  # set by the redirect of a resubmission, read once
REJECTED_TEXT = lazy_gettext("Your report could not be sent. Please check the form and try again.")
FILES_REFUSED_TEXT = lazy_gettext(
    "Some files were not accepted, so nothing was sent yet. Your text is kept below: remove "
    "or replace those files and send again."
)

FILES_DROPPED_TEXT = lazy_gettext(
    "Files are not kept when the form has an error: attach them again."
)


def render_report_form(
    status: int = 200,
    *,
    values: Any = None,
    errors: Any = None,
    refused: list[RefusedFile] | None = None,
    message: Any = None,
    files_note: Any = None,
) -> tuple[str, int]:
    """The report form with what was typed (``values``), its errors and notices."""
    # A browser never refills a file input: say so when the refused form carried files.
    if files_note is None and any(
        upload.filename for upload in request.files.getlist("attachments")
    ):
        files_note = FILES_DROPPED_TEXT
    return render_template(
        "reporting/new_report.html",
        values=values or {},
        errors=errors or {},
        refused=refused or [],
        message=message,
        categories=CATEGORY_LABELS,
        text_fields=REPORT_TEXT_FIELDS,
        identity_fields=IDENTITY_FIELDS,
        honeypot=HONEYPOT_FIELD,
        area_groups=area_groups(gettext("Kota or kabupaten only")),
        agencies=list_agencies(db_session(), active_only=True),
        form_id=new_form_id(),
        files_note=files_note,
    ), status


@bp.get("/laporan")
@public
def new_report() -> ResponseReturnValue:
    """The new report form, with the safety guidance before the submit button, and a notice
    before anything is written when no one could read a report yet."""
    return render_report_form(message=None if service_accepts_reports() else NOT_READY_FORM_TEXT)


def new_form_id() -> str:
    """A random id for one rendering of a form that must not be sent twice."""
    return secrets.token_urlsafe(16)


def already_sent_form(form_id: str) -> bool:
    """True when this form id was already sent successfully from this browser."""
    return bool(form_id) and form_id in session.get(SENT_FORMS_KEY, [])


def remember_sent_form(form_id: str) -> None:
    """Remember a successfully sent form id (ids only: never content, never the key)."""
    if not form_id:
        return
    sent = [*session.get(SENT_FORMS_KEY, []), form_id]
    session[SENT_FORMS_KEY] = sent[-MAX_REMEMBERED_FORMS:]


@bp.post("/laporan")
@public
@accepts_uploads
@limiter.limit(SUBMIT_LIMITS)
@requires_case_readers
@csrf_checked_after_limits
def submit() -> ResponseReturnValue:
    """Validate, file the report with its files, and show the case key once."""
    form_id = request.form.get("form_id", "")[:64]
    if already_sent_form(form_id):
        session[RESENT_MARK] = True
        return redirect(url_for("reporting.already_sent"), code=303)
    values = kept_values(request.form)
    if values.get(HONEYPOT_FIELD):
        # A bot filled the field people never see: refuse, without saying why.
        return render_report_form(400, values=values, message=REJECTED_TEXT)
    try:
        valid = validate_report(values, active_agency_codes(db_session()))
    except ReportValidationError as error:
        return render_report_form(422, values=values, errors=error.errors)
    accepted, refused = sort_uploads()
    if refused:
        return render_report_form(422, values=values, refused=refused, message=FILES_REFUSED_TEXT)
    db = db_session()
    try:
        with admit():
            result = submit_report(db, valid.report, valid.identity, accepted, current_settings())
    except ServiceNotReadyError:  # the last supervisor left while the report was sent
        raise ReportsNotAcceptedError() from None
    remember_sent_form(form_id)
    return _key_page(result.created.case_key, files=result.files), 201


def key_chunks(key: str) -> list[str]:
    """The key in the pieces a line may break between: after a dash, never inside a group.

    The public code (``SPD-XXXXXX``) stays whole, and the one check character stays with
    the group before it, so a narrow screen never shows it alone on a line."""
    groups = key.split("-")
    if len(groups) < 4:
        return [key]
    pieces = ["-".join(groups[:2]), *groups[2:-2], "-".join(groups[-2:])]
    return [piece + "-" for piece in pieces[:-1]] + [pieces[-1]]


def _key_page(key: str, files: list[Any] | None = None, *, leave_error: Any = None) -> str:
    return render_template(
        "reporting/case_key.html",
        case_key=key,
        chunks=key_chunks(key),
        code=key[:10],
        files=files or [],
        leave_error=leave_error,
    )


def _print_page(key: str) -> str:
    return render_template(
        "reporting/case_key_print.html",
        case_key=key,
        chunks=key_chunks(key),
        code=key[:10],
        follow_up_url=follow_up_url(),
    )


def follow_up_url() -> str:
    """The web address where a case key is entered: this instance's ``/kasus``."""
    return current_settings().base_url.rstrip("/") + url_for("followup.enter_key")


KEY_FILE_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"


def key_file_name() -> str:
    """A neutral name for the downloaded key file: a phone's download list must not name the
    service or the case (``catatan-k7qm.txt``); random, so two downloads do not collide."""
    return "catatan-" + "".join(secrets.choice(KEY_FILE_LETTERS) for _ in range(4)) + ".txt"


def _posted_key() -> str | None:
    try:
        return format_case_key(parse_case_key(request.form.get("case_key", "")))
    except CaseKeyError:
        return None


@bp.get("/laporan/terkirim")
@public
def already_sent() -> ResponseReturnValue:
    """Where a reload or resubmission of a filed report lands; the key is not shown again.

    Opened directly (a bookmark, a typed address) nothing was just sent, so the page must
    not claim a report was received: only the redirect from a resubmission marks it."""
    resent = bool(session.pop(RESENT_MARK, False))
    return render_template("reporting/already_sent.html", resent=resent)


# Where the key page's "I have saved my key" form may lead: names, never a posted URL.
LEAVE_TARGETS = {"followup": "followup.enter_key", "home": "public.landing"}
NOT_SAVED_TEXT = lazy_gettext(
    "Tick the box “I have saved my key” first. Once you leave this page the key is not shown again."
)


@bp.post("/laporan/kunci/lanjut")
@public
def key_leave() -> ResponseReturnValue:
    """Leave the key page only once the reporter confirms the key is saved; otherwise show
    the posted key again with the reason (no JavaScript needed, nothing stored)."""
    key = _posted_key()
    target = LEAVE_TARGETS.get(pressed_choice(request.form, "next"))
    if key is None or target is None:
        raise UserFacingError()
    if request.form.get("saved") != "yes":
        return _key_page(key, leave_error=NOT_SAVED_TEXT), 422
    return redirect(url_for(target), code=303)


@bp.post("/laporan/kunci")
@public
def key_copy() -> ResponseReturnValue:
    """Give back the posted case key as a text file or a printable page; nothing is stored."""
    key = _posted_key()
    if key is None:
        raise UserFacingError()
    choice = pressed_choice(request.form, "format")
    if choice == "print":
        return _print_page(key)
    if choice == "page":  # the print page's way back
        return _key_page(key)
    text = "\n".join(
        [
            f"{gettext('SIPADU case key')}: {key}",
            gettext("Public case code: %(code)s", code=key[:10]),
            gettext("Enter the key at: %(url)s", url=follow_up_url()),
            "",
            gettext(
                "Keep this file private. Anyone holding this key can read the case. "
                "It cannot be recovered if lost."
            ),
            "",
        ]
    )
    return Response(
        text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{key_file_name()}"'},
    )


@bp.post("/laporan/kunci/bahasa")
@public
def key_language() -> ResponseReturnValue:
    """Switch language on a page showing the case key, showing the posted key again.

    The key travels only in this POST body (never a URL, log or the server); the file
    cleaning summary of the first answer is not repeated."""
    key = _posted_key()
    code = pressed_choice(request.form, "lang")
    if key is None or code not in LANGUAGES:
        raise UserFacingError()
    use_language_now(code)
    page = _print_page(key) if request.form.get("page") == "print" else _key_page(key)
    response = make_response(page)
    remember_language(response, code)
    return response
