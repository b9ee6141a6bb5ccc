"""The staff case API (Bearer token): the inbox, one case, messages, status, assignment and
attachments. Errors are ``{"error": {"code", "message"}}``.

An unknown case code and a case the caller may not read both answer 403 ``forbidden``: a
staff member learns nothing about codes they are not entitled to (and the refusal is audited).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.api.json_body import MESSAGE_JSON_LIMIT, accepts_json, json_object
from sipadu.app_context import current_audit_key
from sipadu.audit.recorder import audit
from sipadu.cases.attachments import AttachmentNotFoundError
from sipadu.cases.record_ids import public_record_id
from sipadu.cases.statuses import Status
from sipadu.cases.workflow import WorkflowError
from sipadu.casework import assignment, forms, service
from sipadu.casework import inbox as inbox_service
from sipadu.casework.access import Actor, CaseForbiddenError, OpenCase
from sipadu.casework.api_docs import describe
from sipadu.casework.detail import case_detail
from sipadu.casework.forward_approval import ask_forward
from sipadu.casework.http import attachment_response, current_actor, load_case
from sipadu.casework.serialize import case_json, inbox_json
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES, ROLES, StaffRole
from sipadu.web.auth import require_roles
from sipadu.web.user_errors import (
    AccessDeniedError,
    NotFoundError,
    UserFacingError,
    answer_user_error,
)

bp = Blueprint("casework_api", __name__, url_prefix="/staff/cases")
VIEW_ROLES = ROLES
describe()


FORBIDDEN_TEXT = lazy_gettext("You may not access this case.")
NO_ATTACHMENT_TEXT = lazy_gettext("This case has no such attachment.")


@bp.errorhandler(CaseForbiddenError)
def _refused(_error: CaseForbiddenError) -> ResponseReturnValue:
    """A refused case (unknown code, no grant, no usable staff session): 403 ``forbidden``."""
    return answer_user_error(AccessDeniedError(FORBIDDEN_TEXT))


def _actor() -> Actor:
    actor = current_actor()
    if actor is None:
        raise CaseForbiddenError("no staff session")
    return actor


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


@bp.get("")
@require_roles(*CASE_ROLES)
def list_cases() -> ResponseReturnValue:
    """The caller's inbox as JSON (same filters as the page, as query parameters)."""
    actor = _actor()
    page = inbox_service.inbox(
        db_session(),
        staff_id=actor.staff_id,
        role=actor.role,
        filters=forms.inbox_filters(request.args),
        today=service.today(),
    )
    return jsonify(inbox_json(page))


@bp.get("/<code>")
@require_roles(*VIEW_ROLES)
def get_case(code: str) -> ResponseReturnValue:
    """One case: report, timeline, messages (internal notes included), attachment list."""
    actor = _actor()
    opened = load_case(code, actor, "case:viewed")  # a refusal answers 403 (``_refused``)
    db = db_session()
    detail = case_detail(db, opened, actor, today=service.today())
    audit("case:viewed", actor=actor.audit_actor, case_code=opened.case.code)
    return jsonify(case_json(opened.case, detail))


def _act(
    code: str, tag: str, action: Callable[[OpenCase, Actor, dict[str, Any]], Any], status: int = 200
) -> ResponseReturnValue:
    actor = _actor()
    data = json_object()  # capped, an object of the view's known fields, or refused
    opened = load_case(code, actor, tag)
    try:
        result = action(opened, actor, data)
    except (WorkflowError, service.CaseworkError) as error:
        raise UserFacingError(error.message, status=error.http_status) from None
    if isinstance(result, Accepted):
        status, result = 202, result.body
    return jsonify(
        {"case_code": opened.case.code, "status": opened.case.status, **(result or {})}
    ), status


@dataclass(frozen=True)
class Accepted:
    """An action's answer when it waits for someone else (202): a four-eyes request."""

    body: dict[str, Any]


UNCLEAR_INTERNAL = lazy_gettext(
    'Say what this is: "internal" must be true (an internal note) or false (a message '
    "to the reporter). Nothing was stored."
)


@bp.post("/<code>/messages")
@accepts_json({"body": None, "internal": None}, MESSAGE_JSON_LIMIT)
@require_roles(*CASE_ROLES)
def post_message(code: str) -> ResponseReturnValue:
    """Send a message to the reporter (``internal: false``) or add an internal note
    (``internal: true``); any other ``internal``, or none, is refused with a 422."""

    def action(opened: OpenCase, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        internal = data.get("internal")
        if not isinstance(internal, bool):
            raise service.CaseworkError(UNCLEAR_INTERNAL)
        message = service.post_message(
            db_session(),
            opened,
            actor,
            _str(data, "body") or "",
            internal=internal,
            audit_key=current_audit_key(),
        )
        return {"message_id": public_record_id(message.record_id), "internal": internal}

    return _act(code, "message:sent", action, 201)


@bp.post("/<code>/status")
@accepts_json(
    {
        "status": None,
        "reason": None,
        "outcome": None,
        "destination": None,
        "reference": None,
        "forward_result": None,
    },
    MESSAGE_JSON_LIMIT,
)
@require_roles(*CASE_ROLES)
def change_status(code: str) -> ResponseReturnValue:
    """Change the status (409 forbidden transition, 403 role, 422 missing reason, outcome,
    destination, reference or forward result). Forwarding (``diteruskan``) answers 202 with
    the pending four-eyes request: a second supervisor approves it on the case page."""

    def action(opened: OpenCase, actor: Actor, data: dict[str, Any]) -> Accepted | None:
        if _str(data, "status") == Status.DITERUSKAN:
            return _ask_forward(opened, actor, data)
        service.change_status(
            db_session(),
            opened,
            actor,
            _str(data, "status") or "",
            reason=_str(data, "reason"),
            outcome=_str(data, "outcome"),
            destination=_str(data, "destination"),
            reference=_str(data, "reference"),
            forward_result=_str(data, "forward_result"),
            audit_key=current_audit_key(),
        )
        return None

    return _act(code, "case:status_changed", action)


def _ask_forward(opened: OpenCase, actor: Actor, data: dict[str, Any]) -> Accepted:
    """Forwarding needs a second supervisor: the request is made and answered 202; the
    status stays until a supervisor holding the case approves it on the case page."""
    request = ask_forward(
        db_session(),
        opened,
        actor,
        destination=_str(data, "destination"),
        reference=_str(data, "reference"),
        reason=_str(data, "reason"),
        audit_key=current_audit_key(),
    )
    return Accepted(
        {
            "forward_request": {
                "id": request.id,
                "state": request.state.value,
                "expires_at": request.expires_at.isoformat(),
            }
        }
    )


@bp.post("/<code>/assignments")
@accepts_json({"username": None})
@require_roles(StaffRole.SUPERVISOR)
def assign(code: str) -> ResponseReturnValue:
    """Assign an investigator by username (the case key is re-wrapped for them)."""

    def action(opened: OpenCase, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        target = assignment.assign(
            db_session(), opened, actor, _str(data, "username") or "", audit_key=current_audit_key()
        )
        return {"assigned": target.username}

    return _act(code, "grant:created", action, 201)


@bp.delete("/<code>/assignments/<username>")
@require_roles(StaffRole.SUPERVISOR)
def unassign(code: str, username: str) -> ResponseReturnValue:
    """Unassign an investigator: their grant is deleted."""
    actor = _actor()
    opened = load_case(code, actor, "grant:revoked")
    db = db_session()
    try:
        assignment.unassign(db, opened, actor, username, audit_key=current_audit_key())
    except service.CaseworkError as error:
        raise UserFacingError(error.message, status=error.http_status) from None
    return Response(status=204)


@bp.get("/<code>/attachments/<attachment_id>")
@require_roles(*CASE_ROLES)
def download(code: str, attachment_id: str) -> ResponseReturnValue:
    """One attachment, decrypted as it streams, as ``application/octet-stream``."""
    actor = _actor()
    opened = load_case(code, actor, "attachment:downloaded")
    try:
        return attachment_response(opened, actor, attachment_id)
    except AttachmentNotFoundError:
        raise NotFoundError(NO_ATTACHMENT_TEXT) from None
