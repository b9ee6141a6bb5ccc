"""The reporter's rating of a closed case: a form on the case page, answered with a redirect.

The view is added to the follow-up blueprint by :func:`add_rating_routes`
(``sipadu/reporting/routes.py``); the rule itself lives in ``sipadu/cases/rating.py``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.app_context import current_audit_key
from sipadu.cases.rating import MAX_RATING_COMMENT_CHARS, SCORES, RatingNotAllowedError
from sipadu.db import db_session
from sipadu.reporting import service
from sipadu.reporting.followup import done, render_case
from sipadu.reporting.reporter_login import reporter_required
from sipadu.reporting.validation import clean_text, kept_values
from sipadu.sessions.web import ReporterPrincipal
from sipadu.web.auth import public

NOT_ALLOWED_TEXT = lazy_gettext(
    "The handling can be rated once, after the case is closed. This case cannot be rated now."
)


def _score(value: object, errors: dict[str, Any]) -> int:
    """The chosen score (1-5), or an entry in ``errors``."""
    text = value if isinstance(value, str) else ""
    if text.isdigit() and int(text) in SCORES:
        return int(text)
    errors["score"] = lazy_gettext("Choose a score from 1 to 5.")
    return 0


def rate(reporter: ReporterPrincipal) -> ResponseReturnValue:
    """Rate, once, how the Inspektorat handled the closed case (1-5, optional comment)."""
    errors: dict[str, Any] = {}
    score = _score(request.form.get("score"), errors)
    comment = clean_text(
        request.form.get("comment", ""), MAX_RATING_COMMENT_CHARS, errors, "comment"
    )
    if errors:
        return render_case(reporter, 422, errors=errors, values=kept_values(request.form))
    db = db_session()
    case = service.reporter_case(db, reporter.case_id)
    try:
        service.rate_handling(db, case, reporter.dek, score, comment, current_audit_key())
    except RatingNotAllowedError:
        return render_case(
            reporter, 409, errors={"score": NOT_ALLOWED_TEXT}, values=kept_values(request.form)
        )
    return done(lazy_gettext("Thank you. Your rating was recorded."))


def add_rating_routes(blueprint: Blueprint) -> None:
    """Put the rating form's target on the follow-up blueprint."""
    view = public(reporter_required(rate))
    blueprint.add_url_rule("/kasus/saya/penilaian", view_func=view, methods=["POST"])
