"""Files from the Inspektorat to the reporter (proof of follow-up, a decision letter).

Staff who hold the case attach them on the case page; they are cleaned of hidden data like
the reporter's own files, encrypted while they stream in, sealed like every attachment, and
listed with a download link on the reporter's case page. The view is added to the casework
blueprint by :func:`add_reporter_file_routes` (``sipadu/casework/routes.py``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.app_context import current_audit_key
from sipadu.casework import service
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.held import back_to_form
from sipadu.casework.http import load_case
from sipadu.casework.views import acting_staff, render_case
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES
from sipadu.unit_of_work import discard_now
from sipadu.uploads.multipart import accepts_uploads
from sipadu.uploads.sorting import sort_uploads
from sipadu.web.auth import require_roles

NO_FILE_TEXT = lazy_gettext("Choose at least one file to send to the reporter.")


def refused_text(refused: list[tuple[str, object]]) -> str:
    """One line naming each refused file and why (the reasons translated now)."""
    return " ".join(f"{name}: {reason}" if name else str(reason) for name, reason in refused)


def _refused(opened: OpenCase, actor: Actor, error: Any, status: int) -> ResponseReturnValue:
    """Back to the case page at the form, with the refusal (a browser cannot be given the
    chosen files back: they are chosen again)."""
    typed = {"form": "reporter_files"}
    answer = back_to_form(opened, typed, error=error, status=status)
    return answer or render_case(opened, actor, error=error, status=status, typed=typed)


@require_roles(*CASE_ROLES)
@accepts_uploads
def send_to_reporter(code: str) -> ResponseReturnValue:
    """Attach files for the reporter; if one is refused, none is stored."""
    actor = acting_staff()
    opened = load_case(code, actor, "attachment:sent_to_reporter")
    accepted, refused = sort_uploads()
    if refused or not accepted:
        for upload in accepted:
            upload.abort()
        reasons = [(item.filename, item.reason) for item in refused] or [("", NO_FILE_TEXT)]
        return _refused(opened, actor, refused_text(reasons), 422)
    try:
        service.send_files_to_reporter(db_session(), opened, actor, accepted, current_audit_key())
    except service.CaseworkError as error:  # an archived case: nothing is stored
        for upload in accepted:
            upload.abort()
        discard_now()
        return _refused(opened, actor, error.message, error.http_status)
    flash(lazy_gettext("The files were added to the case for the reporter."), "success")
    return redirect(url_for("casework.case_page", code=opened.case.code), code=303)


def add_reporter_file_routes(blueprint: Blueprint) -> None:
    """Put the form's target on the casework blueprint."""
    blueprint.add_url_rule("/<code>/lampiran", view_func=send_to_reporter, methods=["POST"])
