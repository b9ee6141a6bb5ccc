"""The case page's forwarding forms: ask to forward a case to another institution (a second
supervisor approves, four eyes: ``forward_approval.py``), decide a colleague's request, and
record that institution's outcome (which closes the case). All are a supervisor's; the
status changes go through the one workflow gate, ``service.change_status``."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.app_context import current_audit_key
from sipadu.audit.service import record_event
from sipadu.cases.statuses import Status
from sipadu.casework import forms, service
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.closing import closing_flow
from sipadu.casework.forward_approval import (
    ForwardRequestRefusedError,
    ask_forward,
    decide_forward,
)
from sipadu.casework.forwarding import ReferenceNotCorrectableError, correct_forward_reference
from sipadu.casework.views import run_case_action
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.web.auth import require_roles
from sipadu.web.buttons import pressed_choice


def _typed(form: str, *fields: str) -> dict[str, str]:
    """What was typed into ``form``, kept in it when the case page shows a refusal."""
    return {"form": form, **{name: request.form.get(name, "") for name in fields}}


@require_roles(StaffRole.SUPERVISOR)
def forward_case(code: str) -> ResponseReturnValue:
    """Ask a second supervisor to forward the case to the institution responsible, with
    its reference number; nothing changes for the reporter until they approve."""
    form = forms.ForwardForm.read(request.form)
    return run_case_action(
        code,
        "case:forward_requested",
        lambda opened, actor: ask_forward(
            db_session(),
            opened,
            actor,
            destination=form.destination,
            reference=form.reference,
            reason=form.reason,
            audit_key=current_audit_key(),
        ),
        lazy_gettext(
            "The forwarding request was sent. Another supervisor who holds the case must "
            "approve it before the case is forwarded."
        ),
        typed=_typed("forward", "destination", "reference", "reason"),
    )


@require_roles(StaffRole.SUPERVISOR)
def decide_forward_request(code: str) -> ResponseReturnValue:
    """Approve a colleague's forwarding request (the case is forwarded now and the
    reporter told) or refuse it (nothing changes for the reporter)."""
    decision = pressed_choice(request.form, "decision")
    raw_id = request.form.get("request", "")

    def action(opened: OpenCase, actor: Actor) -> None:
        if decision not in ("approve", "refuse") or not raw_id.isdecimal() or len(raw_id) > 12:
            raise ForwardRequestRefusedError(lazy_gettext("Choose approve or refuse."))
        decide_forward(
            db_session(),
            opened,
            actor,
            int(raw_id),
            approve=decision == "approve",
            audit_key=current_audit_key(),
        )

    done = (
        lazy_gettext("The case was forwarded. It now waits for the institution's outcome.")
        if decision == "approve"
        else lazy_gettext("The forwarding request was refused.")
    )
    return run_case_action(
        code, "case:forward_approved", action, done, typed={"form": "forward_decision"}
    )


@require_roles(StaffRole.SUPERVISOR)
def record_forward_outcome(code: str) -> ResponseReturnValue:
    """Record the receiving institution's outcome, with an optional message to the
    reporter; this closes the case."""
    form = forms.ForwardOutcomeForm.read(request.form)
    return closing_flow(
        code,
        _typed("forward_outcome", "forward_result", "message"),
        target=Status.SELESAI,
        fields={"reason": form.message, "forward_result": form.result},
        closes=True,
        done=lazy_gettext("The outcome was recorded and the case is closed."),
    )


class ReferenceCorrectionRefusedError(service.CaseworkError):
    """No reference to correct: the case was never forwarded or is archived."""

    http_status = 409


@require_roles(StaffRole.SUPERVISOR)
def correct_reference(code: str) -> ResponseReturnValue:
    """Correct a mistyped reference of the receiving institution: sealed like the first one,
    audited without the value (neither the log nor the audit detail holds it)."""
    typed = request.form.get("reference", "")

    def action(opened: OpenCase, actor: Actor) -> None:
        try:
            correct_forward_reference(opened, typed)
        except ReferenceNotCorrectableError:
            raise ReferenceCorrectionRefusedError(
                lazy_gettext("This case has no forwarding whose reference could be corrected.")
            ) from None
        record_event(
            db_session(),
            current_audit_key(),
            "case:forward_reference_corrected",
            actor=actor.audit_actor,
            case_code=opened.case.code,
        )

    return run_case_action(
        code,
        "case:forward_reference_corrected",
        action,
        lazy_gettext("The institution's reference number was corrected."),
        typed={"form": "reference", "reference": typed[:64]},
    )


def add_forwarding_routes(bp: Blueprint) -> None:
    """Add the forwarding routes to the casework blueprint."""
    bp.add_url_rule("/<code>/teruskan", "forward_case", forward_case, methods=["POST"])
    bp.add_url_rule(
        "/<code>/teruskan/keputusan",
        "decide_forward_request",
        decide_forward_request,
        methods=["POST"],
    )
    bp.add_url_rule(
        "/<code>/hasil-penerusan",
        "record_forward_outcome",
        record_forward_outcome,
        methods=["POST"],
    )
    bp.add_url_rule(
        "/<code>/rujukan-penerusan", "correct_reference", correct_reference, methods=["POST"]
    )
