"""Changing a case's status, and closing it only after a confirmation page.

A closing (``selesai``, ``tidak_dapat_ditindaklanjuti``, the institution's outcome of a
forwarded case) is told to the reporter at once and offers them their one objection and their
rating, so it cannot be taken back. The case page's form is checked first (an incomplete one
is refused there as before); a complete one is held in the session and the confirmation page
shows what it will do and what was typed. Its buttons post the same form again: "Confirm"
closes, "Back" returns to the case page with everything typed kept. No JavaScript is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.app_context import current_audit_key
from sipadu.cases.labels import outcome_label
from sipadu.cases.statuses import (
    CLOSURES,
    FORWARD_RESULT_LABELS,
    Status,
)
from sipadu.cases.workflow import WorkflowError
from sipadu.casework import forms, service
from sipadu.casework.held import back_to_form, confirming_for
from sipadu.casework.http import load_case
from sipadu.casework.views import acting_staff, refuse, render_case, run_case_action
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES
from sipadu.unit_of_work import discard_now
from sipadu.web.auth import require_roles
from sipadu.web.buttons import pressed_choice

# The forms whose sending closes the case, and the action each posts to.
CLOSING_FORMS = {
    "status": "casework.change_status",
    "forward_outcome": "casework.record_forward_outcome",
}
TAG = "case:status_changed"


def closing_flow(
    code: str,
    typed: Mapping[str, Any],
    *,
    target: str,
    fields: service.StatusFields,
    closes: bool,
    done: Any,
) -> ResponseReturnValue:
    """Change the status to ``target`` when that closes nothing or was confirmed; otherwise
    check the change and show the confirmation page ("Back" on that page returns to the case
    page, values kept)."""
    decision = pressed_choice(request.form, "decision")
    if not closes or decision == "confirm":
        return run_case_action(
            code,
            TAG,
            lambda opened, actor: service.change_status(
                db_session(), opened, actor, target, audit_key=current_audit_key(), **fields
            ),
            done,
            typed=typed,
        )
    actor = acting_staff()
    opened = load_case(code, actor, TAG)
    if decision == "back":
        return back_to_form(opened, typed) or render_case(opened, actor, typed=typed)
    try:
        service.check_status_change(db_session(), opened, actor, target, **fields)
    except (WorkflowError, service.CaseworkError) as error:
        discard_now(db_session())
        return refuse(opened, actor, error, typed)
    confirm = url_for("casework.confirm_close", code=opened.case.code)
    return back_to_form(opened, typed, confirming=True, to=confirm) or render_case(
        opened, actor, typed=typed
    )


@require_roles(*CASE_ROLES)
def change_status(code: str) -> ResponseReturnValue:
    """Move the case through the workflow; archiving, final, is asked on its own page, and
    a closing on the confirmation page."""
    form = forms.StatusForm.read(request.form)
    if form.status == Status.DIARSIPKAN.value:
        return redirect(url_for("casework.confirm_archive", code=code), code=303)
    return closing_flow(
        code,
        {"form": "status", **vars(form)},
        target=form.status,
        fields={"reason": form.reason, "outcome": form.outcome},
        closes=form.status in CLOSURES,
        done=lazy_gettext("Status changed."),
    )


def _shown(held: Mapping[str, Any]) -> tuple[str, list[tuple[Any, str]]]:
    """The status the case goes to, and what was typed as the page lists it."""
    if held.get("form") == "forward_outcome":
        typed = held.get("forward_result")
        result = next((label for key, label in FORWARD_RESULT_LABELS.items() if key == typed), "")
        rows = [(lazy_gettext("The institution's outcome"), str(result))]
        rows.append((lazy_gettext("Message to the reporter"), held.get("message") or "—"))
        return Status.SELESAI.value, rows
    rows = []
    # Called by the word the case page's form used: "Conclusion" where an outcome is chosen.
    reason_label = lazy_gettext("Reason (the reporter reads it)")
    if held.get("outcome"):
        rows.append((lazy_gettext("Outcome"), outcome_label(held["outcome"])))
        reason_label = lazy_gettext("Conclusion (the reporter reads it)")
    rows.append((reason_label, held.get("reason") or "—"))
    return str(held.get("status", "")), rows


@require_roles(*CASE_ROLES)
def confirm_close(code: str) -> ResponseReturnValue:
    """Ask before closing: what the reporter is told and offered, and what was typed."""
    actor = acting_staff()
    opened = load_case(code, actor, TAG)
    held = confirming_for(opened)
    if held is None or held.get("form") not in CLOSING_FORMS:
        return redirect(url_for("casework.case_page", code=opened.case.code), 303)
    status, rows = _shown(held)
    fields = {
        "status": ("status", "reason", "outcome"),
        "forward_outcome": ("forward_result", "message"),
    }[held["form"]]
    return render_template(
        "casework/confirm_close.html",
        case=opened.case,
        status=status,
        rows=rows,
        action=url_for(CLOSING_FORMS[held["form"]], code=opened.case.code),
        hidden=[(name, held.get(name) or "") for name in fields],
    )


def add_closing_routes(bp: Blueprint) -> None:
    """Add the status change and the closing confirmation to the casework blueprint."""
    bp.add_url_rule("/<code>/status", "change_status", change_status, methods=["POST"])
    bp.add_url_rule("/<code>/tutup", "confirm_close", confirm_close, methods=["GET"])
