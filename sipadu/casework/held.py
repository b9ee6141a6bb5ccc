"""Refused case-page forms answered with a redirect, their values held for the page.

A refused action redirects to the case page (Post/Redirect/Get): a reload then loads the page
again instead of asking to send the form once more. What the form sent, and why it was
refused, wait sealed in the staff session (``sessions/held_forms.py``, never in the address
or a cookie) until the case page takes them and shows the form as it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import redirect, url_for
from flask.typing import ResponseReturnValue

from sipadu.casework.access import OpenCase
from sipadu.db import db_session
from sipadu.sessions.held_forms import hold_form, peek_held_form, take_held_form

# Where the case page shows each form again (the element's id): the redirect opens the page
# at the form, not at its top, which on a phone is many screens away.
FORM_ANCHORS = {
    "message": "message-form",
    "note": "note-form",
    "objection": "objection-answer",
    "assign": "assign-form",
    "conflict": "conflict-form",
    "unit": "unit-form",
    "forward": "forward-form",
    "reference": "correct-reference",
    "forward_outcome": "forward-outcome",
    "forward_decision": "forward-decision",
    "export": "export-recipient",
    "export-passphrase": "export",
    "export_request": "export-request",
    "identity": "identity-request",
    "retention": "retention-form",
    "reporter_files": "reporter-files",
}


def form_anchor(typed: Mapping[str, Any]) -> str | None:
    """The id of the element that shows the form ``typed`` came from."""
    form = str(typed.get("form", ""))
    if form == "status":
        return f"status-{typed.get('status', '')}"
    return FORM_ANCHORS.get(form)


def back_to_form(
    opened: OpenCase,
    typed: Mapping[str, Any],
    *,
    error: Any = None,
    status: int = 200,
    confirming: bool = False,
    to: str | None = None,
) -> ResponseReturnValue | None:
    """Hold what ``typed`` says the form sent (with the refusal's ``error`` and ``status``)
    and redirect to the case page at that form (or to ``to``); None when no staff session
    can hold it."""
    values = {
        **{name: value for name, value in typed.items() if isinstance(value, str | None)},
        "case": opened.case.code,
        "error": str(error) if error is not None else None,
        "http_status": status,
        "confirming": confirming,
    }
    if not hold_form(db_session(), values):
        return None
    page = url_for("casework.case_page", code=opened.case.code, _anchor=form_anchor(typed))
    return redirect(to or page, 303)


def held_for(opened: OpenCase) -> dict[str, Any] | None:
    """The form held for this case, taken out of the session (shown once), or None."""
    held = take_held_form(db_session())
    return held if held is not None and held.get("case") == opened.case.code else None


def confirming_for(opened: OpenCase) -> dict[str, Any] | None:
    """The form waiting for its confirmation page for this case, left held, or None."""
    held = peek_held_form(db_session())
    if held is None or held.get("case") != opened.case.code or not held.get("confirming"):
        return None
    return held


def forget_held() -> None:
    """Drop whatever form is held: the action it was for has now succeeded."""
    take_held_form(db_session())
