"""Case pages for supervisors and investigators (thin: validate, call one service, render)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext, ngettext

from sipadu.app_context import current_audit_key
from sipadu.audit.recorder import audit
from sipadu.cases.attachments import AttachmentNotFoundError
from sipadu.cases.deadlines import STATE_LABELS
from sipadu.cases.kinds import CATEGORIES
from sipadu.cases.read_markers import staff_seen_before
from sipadu.cases.statuses import (
    DESTINATION_LABELS,
    FORWARD_RESULT_LABELS,
    OUTCOME_LABELS,
    STATUS_TEXTS,
    Status,
)
from sipadu.cases.workflow import RULES, WorkflowError
from sipadu.casework import forms, service
from sipadu.casework import inbox as inbox_service
from sipadu.casework.access import Actor, CaseForbiddenError, OpenCase
from sipadu.casework.detail import case_detail
from sipadu.casework.forward_approval import pending_forward_panel
from sipadu.casework.held import back_to_form, forget_held, held_for
from sipadu.casework.http import attachment_response, current_actor, load_case
from sipadu.casework.identity_panel import (
    EXPORT_REASON_LABELS,
    IDENTITY_REASON_LABELS,
    VIEW_LABELS,
    identity_panel,
)
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES, ROLES, StaffRole
from sipadu.unit_of_work import commit_now, discard_now
from sipadu.units.choices import unit_choices
from sipadu.units.service import list_units, unit_lacks_supervisor, unit_names
from sipadu.web.auth import require_roles
from sipadu.web.nav import add_home_panel, add_staff_nav
from sipadu.web.user_errors import AccessDeniedError, NotFoundError, answer_user_error

bp = Blueprint("casework", __name__, url_prefix="/petugas/kasus")
# Admins and auditors reach the case page only to be refused there, with an audit event.
VIEW_ROLES = ROLES
add_staff_nav("casework.inbox", lazy_gettext("Cases"), CASE_ROLES, order=10)

Action = Callable[[OpenCase, Actor], Any]
# The home page's counts, in this order: each label is worded for its count (English has
# plural forms, Indonesian none), with the inbox query the count opens.
ACTION_LINKS: tuple[tuple[str, Callable[[int], str], dict[str, str]], ...] = (
    (
        "new",
        lambda n: ngettext("new case to verify", "new cases to verify", n),
        {"status": Status.DITERIMA.value},
    ),
    ("overdue", lambda _n: gettext("overdue"), {"due": "overdue"}),
    ("due", lambda _n: gettext("due soon"), {"due": "due"}),
    ("replied", lambda _n: gettext("reporter replied"), {"replied": "1"}),
    (
        "awaiting",
        lambda _n: gettext("waiting for the reporter"),
        {"status": Status.PERLU_DILENGKAPI.value},
    ),
    (
        "objection",
        lambda n: ngettext(
            "objection waiting for your answer", "objections waiting for your answer", n
        ),
        {"objection": "1"},
    ),
)


def _home_counts() -> dict[str, object]:
    """The signed-in person's counts of cases needing action (metadata only)."""
    actor = current_actor()
    if actor is None:  # no usable staff session: the home page shows no counts
        return {"counts": {}, "links": (), "cap": inbox_service.COUNT_CAP}
    counts = inbox_service.action_counts(
        db_session(), staff_id=actor.staff_id, role=actor.role, today=service.today()
    )
    # A count this role is not given (the objections, for all but supervisors) is not
    # listed; only a supervisor verifies a new case, so an investigator's home leaves it out.
    links = tuple(
        link
        for link in ACTION_LINKS
        if link[0] in counts and (link[0] != "new" or actor.role == StaffRole.SUPERVISOR)
    )
    return {"counts": counts, "links": links, "cap": inbox_service.COUNT_CAP}


add_home_panel("casework/_home_counts.html", _home_counts, CASE_ROLES, order=10)


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
    pasted = forms.code_of_pasted_key(request.args.get("q"))
    if pasted is not None:
        # A whole case key was pasted into the search: search by its code, and let the key
        # leave the address bar and the browser's history (staff never need a reporter's key).
        query: dict[str, Any] = {**request.args.to_dict(), "q": pasted}
        return redirect(url_for("casework.inbox", **query), 303)
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
        # Only a supervisor answers an objection: the others read who it waits for.
        answers_objections=actor.role == StaffRole.SUPERVISOR,
    )


def render_case(
    opened: OpenCase,
    actor: Actor,
    *,
    error: Any = None,
    status: int = 200,
    typed: Mapping[str, Any] | None = None,
) -> ResponseReturnValue:
    """The case page; after a refused action, ``typed`` is what that form sent (it is shown
    again in the same form, so nothing typed is lost)."""
    db = db_session()
    detail = case_detail(db, opened, actor, today=service.today())
    # This officer's own marker: what others wrote after it is "new" until this page shows it.
    shown = (m.seq for m in detail.messages)
    seen_before = staff_seen_before(db, opened.case.id, actor.staff_id, shown)
    audit("case:viewed", actor=actor.audit_actor, case_code=opened.case.code)
    # Kept also when the page shows an action's error (an error status rolls back the rest).
    commit_now(db)
    return render_template(
        "casework/case.html",
        case=opened.case,
        detail=detail,
        seen_before=seen_before,
        actor=actor,
        error=error,
        statuses=STATUS_TEXTS,
        outcomes=OUTCOME_LABELS,
        destinations=DESTINATION_LABELS,
        forward_results=FORWARD_RESULT_LABELS,
        state_labels=STATE_LABELS,
        reopen_targets=(Status.VERIFIKASI, Status.INVESTIGASI),
        unit_choices=unit_choices(list_units(db)),
        unit_names=unit_names(db),
        unit_unstaffed=actor.role == StaffRole.SUPERVISOR
        and unit_lacks_supervisor(db, opened.case.unit),
        needs={target: RULES[(Status(opened.case.status), target)] for target in detail.targets},
        typed=typed or {"form": ""},
        identity=identity_panel(db, opened, actor),
        pending_forward=pending_forward_panel(db, opened, actor),
        identity_reasons=IDENTITY_REASON_LABELS,
        export_reasons=EXPORT_REASON_LABELS,
        export_views=VIEW_LABELS,
    ), status


@bp.get("/<code>")
@require_roles(*VIEW_ROLES)
def case_page(code: str) -> ResponseReturnValue:
    """The decrypted case: report, files, timeline, messages, notes and the actions."""
    actor = acting_staff()
    opened = load_case(code, actor, "case:viewed")  # a refusal answers 403 (``_refused``)
    held = held_for(opened)
    if held is None:
        return render_case(opened, actor)
    # A form refused a moment ago (or brought back from its confirmation page): shown again
    # as it was sent, with the refusal and its status.
    error = held.get("error")
    return render_case(
        opened, actor, error=error, status=int(held["http_status"]) if error else 200, typed=held
    )


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
    code: str,
    tag: str,
    action: Action,
    done: Any,
    *,
    leave: bool = False,
    typed: Mapping[str, Any] | None = None,
) -> ResponseReturnValue:
    """Run one case action: refuse (403), show its error on the case page (with what was
    ``typed`` kept in its form), or redirect."""
    actor = acting_staff()
    opened = load_case(code, actor, tag)
    db = db_session()
    try:
        action(opened, actor)
    except (WorkflowError, service.CaseworkError) as error:
        discard_now(db)  # the failed action, before the refusal is held for the case page
        return refuse(opened, actor, error, typed)
    forget_held()
    flash(done, "success")
    if leave:
        return redirect(url_for("casework.inbox"), code=303)
    return redirect(url_for("casework.case_page", code=opened.case.code), code=303)


def refuse(
    opened: OpenCase,
    actor: Actor,
    error: WorkflowError | service.CaseworkError,
    typed: Mapping[str, Any] | None,
) -> ResponseReturnValue:
    """Answer a refused action: back to the case page at its form, which shows the refusal
    and what was ``typed`` (the page itself when no staff session could hold them)."""
    held = back_to_form(
        opened, typed or {"form": ""}, error=error.message, status=error.http_status
    )
    if held is not None:
        return held
    return render_case(opened, actor, error=error.message, status=error.http_status, typed=typed)


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
        typed={"form": "note" if form.internal else "message", "body": form.body},
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
        typed={"form": "objection", "answer": form.answer, "reopen_to": form.reopen_to or ""},
    )


def confirm_page(
    opened: OpenCase, *, title: Any, explanation: Any, action: str, button: Any
) -> ResponseReturnValue:
    return render_template(
        "staff/confirm.html",
        title=title,
        explanation=explanation,
        action=action,
        button=button,
        back=url_for("casework.case_page", code=opened.case.code),
    )
