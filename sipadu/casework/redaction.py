"""The redaction page of a case: mark by hand what an outside body must not read, ask a
supervisor to publish it, and (for that supervisor) approve or refuse after reading it.

Marks: sipadu/confidential/redaction_marks.py; four eyes: redaction_publish.py; the form
without JavaScript: redaction_form.py. Nothing typed or marked leaves the server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_audit_key
from sipadu.audit.recorder import audit
from sipadu.casework import service
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.http import load_case
from sipadu.casework.views import acting_staff
from sipadu.confidential import redaction_publish as publishing
from sipadu.confidential.labels import SPAN_LABELS
from sipadu.confidential.models import CaseRedaction, RedactionState
from sipadu.confidential.redaction_form import (
    RedactionFormError,
    parse_marks,
    preview,
    text_blocks,
)
from sipadu.confidential.redaction_marks import (
    RedactionArchivedError,
    RedactionError,
    RedactionNotAllowedError,
    open_marks,
    pending_request,
    redaction_row,
    save_draft,
)
from sipadu.confidential.redaction_texts import Marks, redactable_texts
from sipadu.confidential.rules import may_approve
from sipadu.crypto.errors import DecryptionError
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES
from sipadu.unit_of_work import commit_now, discard_now
from sipadu.web.auth import require_roles
from sipadu.web.buttons import pressed_choice
from sipadu.web.user_errors import AccessDeniedError

NOT_ALLOWED_TEXT = lazy_gettext("Only a supervisor or investigator handling the case may mark.")


def _account(actor: Actor) -> StaffAccount:
    account = db_session().get(StaffAccount, actor.staff_id)
    assert account is not None  # noqa: S101 - the session's own account
    return account


def _marks(opened: OpenCase, row: CaseRedaction | None) -> tuple[Marks | None, bool]:
    """The row's marks and whether they verified (marks that do not open are not used)."""
    if row is None:
        return None, True
    try:
        return open_marks(opened.dek, opened.case, row), True
    except DecryptionError:
        return None, False


def _page_values(opened: OpenCase, actor: Actor, ticked: set[str] | None) -> dict[str, Any]:
    db, now = db_session(), datetime.now(UTC)
    publishing.expire_publications(db, now)
    texts = redactable_texts(db, opened.case, opened.dek)
    draft = redaction_row(db, opened.case, RedactionState.DRAFT)
    published = redaction_row(db, opened.case, RedactionState.PUBLISHED)
    draft_marks, draft_ok = _marks(opened, draft)
    published_marks, published_ok = _marks(opened, published)
    waiting = pending_request(db, draft, now)
    decides = waiting is not None and may_approve(
        waiting.action,
        requester_id=waiting.requested_by,
        approver_id=actor.staff_id,
        approver_role=actor.role,
    )
    people = {row.marked_by for row in (draft, published) if row and row.marked_by}
    return {
        "case": opened.case,
        "blocks": text_blocks(
            texts, draft_marks if draft_marks is not None else published_marks, ticked
        ),
        "draft": draft,
        "published": published,
        "verified": draft_ok and published_ok,
        "waiting": waiting,
        "decides": decides,
        "preview": preview(texts, draft_marks) if decides and draft_marks is not None else [],
        "names": {i: a.username for i in people if (a := db.get(StaffAccount, i)) is not None},
        "me": actor.staff_id,
        "span_labels": SPAN_LABELS,
    }


def _render(
    opened: OpenCase,
    actor: Actor,
    *,
    error: Any = None,
    status: int = 200,
    ticked: set[str] | None = None,
    phrases: str = "",
) -> ResponseReturnValue:
    values = _page_values(opened, actor, ticked)
    audit("case:viewed", actor=actor.audit_actor, case_code=opened.case.code)
    commit_now(db_session())  # the viewing is kept also when the page shows a refusal
    return render_template(
        "casework/redaction.html", error=error, phrases=phrases, **values
    ), status


def _back(opened: OpenCase) -> Response:
    return redirect(url_for("casework.redaction_page", code=opened.case.code), code=303)


@require_roles(*CASE_ROLES)
def redaction_page(code: str) -> ResponseReturnValue:
    """The texts an export shows, with the spans to redact ticked, and the decision form
    for a supervisor other than the one who asked to publish."""
    actor = acting_staff()
    opened = load_case(code, actor, "case:viewed")
    return _render(opened, actor)


@require_roles(*CASE_ROLES)
def save_redaction(code: str) -> ResponseReturnValue:
    """Save the ticked spans and typed phrases as the draft; with the publish button also
    ask a supervisor to publish it."""
    actor = acting_staff()
    opened = load_case(code, actor, "redaction:marked")
    db, form = db_session(), request.form
    account, now = _account(actor), datetime.now(UTC)
    texts = redactable_texts(db, opened.case, opened.dek)
    try:
        marks = parse_marks(
            texts, form.getlist("text"), form.getlist("mark"), form.get("phrases", "")
        )
        save_draft(
            db, opened.case, opened.dek, account, marks, audit_key=current_audit_key(), now=now
        )
        if pressed_choice(form, "action") == "publish":
            publishing.request_publication(
                db, opened.case, account, audit_key=current_audit_key(), now=now
            )
    except RedactionFormError as refused:
        discard_now(db)  # nothing of the refused post is kept; the page shows it again
        ticked = set(form.getlist("mark"))
        return _render(
            opened,
            actor,
            error=refused.message,
            status=422,
            ticked=ticked,
            phrases=form.get("phrases", ""),
        )
    except RedactionNotAllowedError:
        raise AccessDeniedError(NOT_ALLOWED_TEXT) from None
    except RedactionArchivedError:
        discard_now(db)
        return _render(opened, actor, error=service.ARCHIVED_TEXT, status=409)
    except RedactionError:  # a parallel save or request got there first
        discard_now(db)
        flash(gettext("This request is no longer waiting for a decision."), "error")
        return _back(opened)
    if pressed_choice(form, "action") == "publish":
        flash(
            gettext("The marks were saved and a supervisor was asked to publish them."), "success"
        )
    else:
        flash(gettext("The marks were saved as a draft."), "success")
    return _back(opened)


@require_roles(*CASE_ROLES)
def decide_redaction(code: str) -> ResponseReturnValue:
    """Publish the waiting draft (it becomes what redacted exports show) or refuse it."""
    actor = acting_staff()
    opened = load_case(code, actor, "redaction:published")
    decision = pressed_choice(request.form, "decision")
    raw_id = request.form.get("request", "")
    if decision not in ("approve", "refuse") or not raw_id.isdecimal() or len(raw_id) > 12:
        discard_now()
        flash(gettext("Choose approve or refuse."), "error")
        return _back(opened)
    try:
        publishing.decide_publication(
            db_session(),
            int(raw_id),
            _account(actor),
            approve=decision == "approve",
            audit_key=current_audit_key(),
            case_id=opened.case.id,
        )
    except RedactionNotAllowedError:
        discard_now()
        flash(gettext("Another supervisor who holds the case must decide this request."), "error")
        return _back(opened)
    except RedactionError:
        discard_now()
        flash(gettext("This request is no longer waiting for a decision."), "error")
        return _back(opened)
    flash(
        gettext("The redaction was published.")
        if decision == "approve"
        else gettext("The request was refused."),
        "success",
    )
    return _back(opened)


def add_redaction_routes(blueprint: Blueprint) -> None:
    """Put the redaction pages on the casework blueprint (sipadu/casework/routes.py)."""
    blueprint.add_url_rule("/<code>/redaksi", view_func=redaction_page, methods=["GET"])
    blueprint.add_url_rule("/<code>/redaksi", view_func=save_redaction, methods=["POST"])
    blueprint.add_url_rule(
        "/<code>/redaksi/keputusan", view_func=decide_redaction, methods=["POST"]
    )
