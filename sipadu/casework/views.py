"""Case pages for supervisors and investigators (thin: validate, call one service, render)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.app_context import current_audit_key
from sipadu.audit.recorder import audit
from sipadu.cases.attachments import AttachmentNotFoundError
from sipadu.cases.deadlines import STATE_LABELS
from sipadu.cases.kinds import CATEGORIES
from sipadu.cases.statuses import (
    DESTINATION_LABELS,
    FORWARD_RESULT_LABELS,
    OUTCOME_LABELS,
    STATUS_TEXTS,
    Status,
)
from sipadu.cases.workflow import WorkflowError
from sipadu.casework import forms, service
from sipadu.casework import inbox as inbox_service
from sipadu.casework.access import Actor, CaseForbiddenError, OpenCase
from sipadu.casework.detail import case_detail
from sipadu.casework.http import attachment_response, current_actor, load_case
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES, ROLES, StaffRole
from sipadu.unit_of_work import commit_now, discard_now
from sipadu.units.service import list_units, unit_names
from sipadu.web.auth import require_roles
from sipadu.web.nav import add_staff_nav
from sipadu.web.user_errors import AccessDeniedError, NotFoundError, answer_user_error

bp = Blueprint("casework", __name__, url_prefix="/petugas/kasus")
# Admins and auditors reach the case page only to be refused there, with an audit event.
VIEW_ROLES = ROLES
add_staff_nav("casework.inbox", lazy_gettext("Cases"), CASE_ROLES, order=10)

Action = Callable[[OpenCase, Actor], Any]


@bp.errorhandler(CaseForbiddenError)
def _refused(_error: CaseForbiddenError) -> ResponseReturnValue:
    """A refused case (unknown code, no grant, no usable staff session): the 403 page."""
    return answer_user_error(AccessDeniedError())


def acting_staff() -> Actor:
    actor = current_actor()
    if actor is None:  # require_roles admitted a principal without a staff session
        raise CaseForbiddenError("no staff session")
    return actor


@bp.get("")
@require_roles(*CASE_ROLES)
def inbox() -> ResponseReturnValue:
    """The cases this person may read, with filters, sort, pages and deadline badges."""
    actor = acting_staff()
    filters = forms.inbox_filters(request.args)
    page = inbox_service.inbox(
        db_session(),
        staff_id=actor.staff_id,
        role=actor.role,
        filters=filters,
        today=service.today(),
    )
    return render_template(
        "casework/inbox.html",
        page=page,
        filters=filters,
        statuses=STATUS_TEXTS,
        categories=CATEGORIES,
        state_labels=STATE_LABELS,
    )


def _render_case(
    opened: OpenCase, actor: Actor, *, error: Any = None, status: int = 200
) -> ResponseReturnValue:
    db = db_session()
    detail = case_detail(db, opened, actor, today=service.today())
    audit("case:viewed", actor=actor.audit_actor, case_code=opened.case.code)
    # Kept also when the page shows an action's error (an error status rolls back the rest).
    commit_now(db)
    return render_template(
        "casework/case.html",
        case=opened.case,
        detail=detail,
        actor=actor,
        error=error,
        statuses=STATUS_TEXTS,
        outcomes=OUTCOME_LABELS,
        destinations=DESTINATION_LABELS,
        forward_results=FORWARD_RESULT_LABELS,
        state_labels=STATE_LABELS,
        reopen_targets=(Status.VERIFIKASI, Status.INVESTIGASI),
        units=list_units(db),
        unit_names=unit_names(db),
    ), status


@bp.get("/<code>")
@require_roles(*VIEW_ROLES)
def case_page(code: str) -> ResponseReturnValue:
    """The decrypted case: report, files, timeline, messages, notes and the actions."""
    actor = acting_staff()
    opened = load_case(code, actor, "case:viewed")  # a refusal answers 403 (``_refused``)
    return _render_case(opened, actor)


@bp.get("/<code>/lampiran/<attachment_id>")
@require_roles(*CASE_ROLES)
def download(code: str, attachment_id: str) -> ResponseReturnValue:
    """Download one attachment, decrypted as it streams, never shown inline."""
    actor = acting_staff()
    opened = load_case(code, actor, "attachment:downloaded")
    try:
        return attachment_response(opened, actor, attachment_id)
    except AttachmentNotFoundError:
        raise NotFoundError() from None


def run_case_action(
    code: str, tag: str, action: Action, done: Any, *, leave: bool = False
) -> ResponseReturnValue:
    """Run one case action: refuse (403), show its error on the case page, or redirect."""
    actor = acting_staff()
    opened = load_case(code, actor, tag)
    db = db_session()
    try:
        action(opened, actor)
    except (WorkflowError, service.CaseworkError) as error:
        discard_now(db)  # the failed action, before the case page audits its own view
        return _render_case(opened, actor, error=error.message, status=error.http_status)
    flash(done, "success")
    if leave:
        return redirect(url_for("casework.inbox"), code=303)
    return redirect(url_for("casework.case_page", code=opened.case.code), code=303)


UNCLEAR_MESSAGE_KIND = lazy_gettext(
    "Choose “Send to the reporter” or “Save internal note”. Nothing was stored."
)


@bp.post("/<code>/pesan")
@require_roles(*CASE_ROLES)
def post_message(code: str) -> ResponseReturnValue:
    """Send a message to the reporter, or add an internal note: the pressed button says
    which; a form that does not say is refused with a 400 and nothing is stored."""
    form = forms.MessageForm.read(request.form)

    def action(opened: OpenCase, actor: Actor) -> None:
        if form.internal is None:
            raise service.MessageKindError(UNCLEAR_MESSAGE_KIND)
        service.post_message(
            db_session(),
            opened,
            actor,
            form.body,
            internal=form.internal,
            audit_key=current_audit_key(),
        )

    return run_case_action(
        code,
        "note:added" if form.internal else "message:sent",
        action,
        lazy_gettext("Internal note saved.")
        if form.internal
        else lazy_gettext("Message sent to the reporter."),
    )


@bp.post("/<code>/status")
@require_roles(*CASE_ROLES)
def change_status(code: str) -> ResponseReturnValue:
    """Move the case through the workflow."""
    form = forms.StatusForm.read(request.form)
    return run_case_action(
        code,
        "case:status_changed",
        lambda opened, actor: service.change_status(
            db_session(),
            opened,
            actor,
            form.status,
            reason=form.reason,
            outcome=form.outcome,
            audit_key=current_audit_key(),
        ),
        lazy_gettext("Status changed."),
    )


@bp.post("/<code>/keberatan")
@require_roles(StaffRole.SUPERVISOR)
def answer_objection(code: str) -> ResponseReturnValue:
    """Answer the reporter's objection to a closure, optionally reopening the case."""
    form = forms.ObjectionAnswerForm.read(request.form)
    return run_case_action(
        code,
        "objection:answered",
        lambda opened, actor: service.answer_objection(
            db_session(),
            opened,
            actor,
            form.answer,
            reopen_to=form.reopen_to,
            audit_key=current_audit_key(),
        ),
        lazy_gettext("Objection answered."),
    )


@bp.post("/<code>/penugasan")
@require_roles(StaffRole.SUPERVISOR)
def assign(code: str) -> ResponseReturnValue:
    """Assign an investigator (the case key is re-wrapped for them)."""
    name = forms.username(request.form)
    return run_case_action(
        code,
        "grant:created",
        lambda opened, actor: service.assign(
            db_session(), opened, actor, name, audit_key=current_audit_key()
        ),
        lazy_gettext("Investigator assigned."),
    )


@bp.post("/<code>/penugasan/<username>/hapus")
@require_roles(StaffRole.SUPERVISOR)
def unassign(code: str, username: str) -> ResponseReturnValue:
    """Unassign an investigator: their grant is deleted."""
    return run_case_action(
        code,
        "grant:revoked",
        lambda opened, actor: service.unassign(
            db_session(), opened, actor, username, audit_key=current_audit_key()
        ),
        lazy_gettext("Investigator unassigned."),
    )


@bp.post("/<code>/konflik")
@require_roles(*CASE_ROLES)
def declare_conflict(code: str) -> ResponseReturnValue:
    """Declare one's own conflict of interest: the case leaves one's inbox at once."""
    return run_case_action(
        code,
        "conflict:declared",
        lambda opened, actor: service.declare_conflict(
            db_session(), opened, actor, audit_key=current_audit_key()
        ),
        lazy_gettext("Conflict of interest recorded. You no longer have access to this case."),
        leave=True,
    )


@bp.post("/<code>/konflik/tandai")
@require_roles(StaffRole.SUPERVISOR)
def mark_conflict(code: str) -> ResponseReturnValue:
    """Mark another staff member as conflicted in this case."""
    name = forms.username(request.form)
    return run_case_action(
        code,
        "conflict:marked",
        lambda opened, actor: service.mark_conflict(
            db_session(), opened, actor, name, audit_key=current_audit_key()
        ),
        lazy_gettext("Conflict of interest recorded."),
    )
