"""Follow-up pages: enter the case key, then the case page with its forms, then log out.

After the key is accepted the browser is redirected to ``/kasus/saya``: neither the key nor
the case code ever appears in a URL. The case is found through the reporter session cookie.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn, cast

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask import Response as FlaskResponse
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext, lazy_ngettext
from werkzeug.wrappers import Response

from sipadu.app_context import current_audit_key, current_settings
from sipadu.cases.content import MAX_MESSAGE_CHARS
from sipadu.cases.rating import MAX_RATING_COMMENT_CHARS
from sipadu.cases.read_markers import reporter_seen_before
from sipadu.cases.statuses import STATUS_TEXTS
from sipadu.cases.workflow import MAX_TEXT_CHARS, WorkflowError
from sipadu.crypto.errors import CaseKeyTypoError, MalformedCaseKeyError, WrongCaseKeyError
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.media.labels import describe_stored_cleaning
from sipadu.reporting import service
from sipadu.reporting.case_view import page_extras
from sipadu.reporting.files import RefusedFile, sort_uploads
from sipadu.reporting.forms import IDENTITY_FIELDS
from sipadu.reporting.reporter_access import CaseKeyThrottledError, open_case_with_key
from sipadu.reporting.reporter_login import ENDED_TEXT, reporter_required
from sipadu.reporting.validation import (
    ReportValidationError,
    kept_values,
    validate_text,
    without_controls,
)
from sipadu.reporting.views import already_sent_form, new_form_id, remember_sent_form
from sipadu.sessions.models import SessionKind
from sipadu.sessions.service import end_session, start_session
from sipadu.sessions.web import (
    ReporterPrincipal,
    clear_session_cookie,
    cookie_name,
    current_reporter,
    reporter_payload,
    set_session_cookie,
)
from sipadu.unit_of_work import commit_now, discard_now
from sipadu.uploads.multipart import accepts_uploads
from sipadu.web.auth import public
from sipadu.web.key_check_slots import case_key_check
from sipadu.web.ratelimit import (
    CASE_KEY_LIMITS,
    SUBMIT_LIMITS,
    client_identifier,
    counts_against_client,
    limiter,
)
from sipadu.web.security import csrf_checked_after_limits
from sipadu.web.user_errors import UserFacingError, error_page

bp = Blueprint("followup", __name__)


@bp.app_template_filter("cleaning_lines")
def cleaning_lines(cleaning: Mapping[str, object]) -> list[Any]:
    """What was removed from a stored file, from its cleaning record, in the page's language."""
    return describe_stored_cleaning(cleaning)


MALFORMED_TEXT = lazy_gettext(
    "This does not look like a case key. A case key looks like "
    "SPD-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX-X."
)
TYPO_TEXT = lazy_gettext(
    "This key looks like it has a typo. Please check each character against the key you saved."
)
WRONG_TEXT = lazy_gettext("This case key was not recognised.")
MAX_TYPED_KEY_CHARS = 200  # the field's maxlength
ARCHIVED_TEXT = lazy_gettext(
    "This case is archived: you can still read it here, but you can no longer send "
    "messages, files or your name and contact."
)


def _throttled_text(error: CaseKeyThrottledError) -> Any:
    minutes = max(1, -(-int(error.retry_after.total_seconds()) // 60))
    return lazy_ngettext(
        "Too many wrong keys were tried for this case. Please wait %(num)d minute and try again.",
        "Too many wrong keys were tried for this case. Please wait %(num)d minutes and try again.",
        minutes,
    )


@bp.get("/kasus")
@public
def enter_key() -> ResponseReturnValue:
    """The form where the reporter types the case key."""
    if current_reporter() is not None:
        return redirect(url_for("followup.case_page"), code=303)
    return render_template("reporting/enter_key.html", error=None, typed="")


def _key_form_page(error: UserFacingError) -> ResponseReturnValue:
    """The key form again, with the refusal's message and what was typed (in this POST
    answer only), so a typo is fixed rather than the whole key typed again."""
    typed = without_controls(request.form.get("case_key", ""))[:MAX_TYPED_KEY_CHARS]
    page = render_template("reporting/enter_key.html", error=error.message, typed=typed)
    return page, error.status


def _refuse_key(status: int, message: Any, headers: dict[str, str] | None = None) -> NoReturn:
    commit_now()  # a counted failure must be kept even though we refuse
    raise UserFacingError(message, status=status, headers=headers)


@bp.post("/kasus")
@public
@limiter.limit(CASE_KEY_LIMITS, deduct_when=counts_against_client)
@csrf_checked_after_limits
@error_page(_key_form_page)
def login() -> ResponseReturnValue:
    """Check the case key; on success start a reporter session and go to the case page."""
    db = db_session()
    settings = current_settings()
    assert settings.keyring is not None  # noqa: S101
    try:
        with case_key_check():
            opened = open_case_with_key(
                db,
                request.form.get("case_key", ""),
                params=settings.argon2,
                audit_key=settings.keyring.audit_hmac_key,
                client=client_identifier(),
                escrow_public=settings.keyring.escrow_public,
            )
    except MalformedCaseKeyError:
        _refuse_key(400, MALFORMED_TEXT)
    except CaseKeyTypoError:
        _refuse_key(400, TYPO_TEXT)
    except CaseKeyThrottledError as error:
        seconds = str(int(error.retry_after.total_seconds()) or 1)
        _refuse_key(429, _throttled_text(error), {"Retry-After": seconds})
    except WrongCaseKeyError:
        _refuse_key(401, WRONG_TEXT)
    old = request.cookies.get(cookie_name("reporter"))
    if old:
        end_session(db, old)
    token = start_session(
        db, kind=SessionKind.REPORTER, payload=reporter_payload(opened.case.code, opened.dek)
    )
    response = cast(FlaskResponse, redirect(url_for("followup.case_page"), code=303))
    set_session_cookie(response, "reporter", token)
    return response


def render_case(
    reporter: ReporterPrincipal, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    db = db_session()
    case = service.reporter_case(db, reporter.case_id)
    view = service.case_overview(db, case, reporter.dek)
    # What came after the markers is "new" (marked, and counted in the "since" line);
    # showing it moves the markers past it.
    marks = reporter_seen_before(
        case, (m.seq for m in view.messages), [t.seq for t in view.timeline]
    )
    extras = page_extras(db, case, reporter.dek, view, wib_today(), marks)
    context: dict[str, Any] = {
        "errors": {},
        "values": {},
        "refused": [],
        "form_id": new_form_id(),
    }
    context.update(extra)
    return render_template(
        "reporting/case.html",
        case=view,
        extras=extras,
        identity_fields=IDENTITY_FIELDS,
        status_texts=STATUS_TEXTS,
        max_message=MAX_MESSAGE_CHARS,
        max_rating_comment=MAX_RATING_COMMENT_CHARS,
        **context,
    ), status


@bp.get("/kasus/saya")
@public
@reporter_required
def case_page(reporter: ReporterPrincipal) -> ResponseReturnValue:
    """The reporter's case: status, timeline, messages, files and the forms to act."""
    try:
        if session.pop(BLANK_REPLY, False):
            return render_case(reporter, 422, errors={"body": WRITE_MESSAGE_TEXT})
        return render_case(reporter)
    except service.ReporterCaseGoneError:
        return _logout_response(ENDED_TEXT)


def refuse_archived() -> Response:
    """The answer to a write on an archived case: nothing is kept, the case page says why."""
    discard_now()  # the service refused before writing; drop anything a hook added
    flash(ARCHIVED_TEXT, "error")
    return redirect(url_for("followup.case_page"), code=303)


def done(message: Any) -> Response:
    flash(message, "success")
    return redirect(url_for("followup.case_page"), code=303)


# A blank reply is refused with a redirect (Back and reload never send the form again); only
# this mark waits in the signed cookie session for the page to show the refusal once. A reply
# with text (too long) is answered at the POST: keeping it would mean storing what was typed.
BLANK_REPLY = "reply_blank"
WRITE_MESSAGE_TEXT = lazy_gettext("Write your message.")


@bp.post("/kasus/saya/pesan")
@public
@reporter_required
def reply(reporter: ReporterPrincipal) -> ResponseReturnValue:
    """Send a message to the Inspektorat (resumes the assessment if it was waiting)."""
    db = db_session()
    try:
        body = validate_text(
            request.form.get("body"), MAX_MESSAGE_CHARS, "body", WRITE_MESSAGE_TEXT
        )
    except ReportValidationError as error:
        if not (request.form.get("body") or "").strip():
            discard_now()  # nothing to keep: the refusal is the redirect and its mark
            session[BLANK_REPLY] = True
            return redirect(url_for("followup.case_page", _anchor="reply-form"), code=303)
        return render_case(reporter, 422, errors=error.errors, values=kept_values(request.form))
    case = service.reporter_case(db, reporter.case_id)
    try:
        service.send_reply(db, case, reporter.dek, body, current_audit_key())
    except service.CaseArchivedError:
        return refuse_archived()
    return done(lazy_gettext("Your message was sent."))


@bp.post("/kasus/saya/bukti")
@public
@accepts_uploads
@limiter.limit(SUBMIT_LIMITS)
@csrf_checked_after_limits
@reporter_required
def add_evidence(reporter: ReporterPrincipal) -> ResponseReturnValue:
    """Add files to the case; if one is refused, none is stored. Answered with a redirect
    to the case page, whose file list says what was removed from each file; a re-post of
    the same form (its ``form_id``) adds nothing a second time."""
    db = db_session()
    case = service.reporter_case(db, reporter.case_id)
    form_id = request.form.get("form_id", "")[:64]
    if already_sent_form(form_id):
        return redirect(url_for("followup.case_page"), code=303)
    accepted, refused = sort_uploads()
    try:
        service.refuse_if_archived(case)  # before the files' own refusals: none would help
        if refused or not accepted:
            missing = (
                [] if refused else [RefusedFile("", lazy_gettext("Choose at least one file."))]
            )
            return render_case(reporter, 422, refused=refused or missing)
        service.add_evidence(db, case, reporter.dek, accepted, current_audit_key())
    except service.CaseArchivedError:
        return refuse_archived()
    remember_sent_form(form_id)
    return done(
        lazy_gettext(
            "Your files were added to the case. What was removed from each is listed under Files."
        )
    )


@bp.post("/kasus/saya/keberatan")
@public
@reporter_required
def object_to_closure(reporter: ReporterPrincipal) -> ResponseReturnValue:
    """Object once to the decision that closed the case."""
    db = db_session()
    case = service.reporter_case(db, reporter.case_id)
    try:
        text = validate_text(
            request.form.get("objection"),
            MAX_TEXT_CHARS,
            "objection",
            lazy_gettext("Explain why you object to the decision."),
        )
        service.object_to_closure(db, case, reporter.dek, text, current_audit_key())
    except ReportValidationError as error:
        return render_case(reporter, 422, errors=error.errors, values=kept_values(request.form))
    except WorkflowError as error:
        return render_case(
            reporter,
            error.http_status,
            values=kept_values(request.form),
            errors={"objection": error.message},
        )
    return done(lazy_gettext("Your objection was recorded. The Inspektorat will answer it."))


def _logout_response(message: Any) -> Response:
    db = db_session()
    token = request.cookies.get(cookie_name("reporter"))
    if token:
        end_session(db, token)
    flash(message, "info")
    response = cast(FlaskResponse, redirect(url_for("followup.enter_key"), code=303))
    clear_session_cookie(response, "reporter")
    return response


@bp.post("/kasus/keluar")
@public
def logout() -> ResponseReturnValue:
    """End the reporter session and forget its cookie."""
    return _logout_response(lazy_gettext("You have left your case. Keep your case key safe."))
