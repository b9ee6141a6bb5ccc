"""The sealed identity on the case page: ask a custodian to open it, then read it while the
approval lasts (four eyes: sipadu/confidential/identity.py)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_audit_key
from sipadu.cases.identity import IdentityUnavailableError
from sipadu.casework import service
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.http import load_case
from sipadu.casework.views import acting_staff, run_case_action
from sipadu.confidential import identity as custody
from sipadu.confidential.models import IDENTITY_REASONS, RequestReason
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES
from sipadu.web.auth import require_roles
from sipadu.web.user_errors import AccessDeniedError

NOT_APPROVED_TEXT = lazy_gettext(
    "You have no approval to read this identity, or it has expired. Ask an identity "
    "custodian from the case page."
)


class IdentityRequestRefusedError(service.CaseworkError):
    """The identity request could not be made (shown on the case page)."""


def request_reason(
    raw: str, allowed: tuple[RequestReason, ...] = IDENTITY_REASONS
) -> RequestReason:
    """The reason a form sent, if it is one of this action's (``allowed``), or the case
    page's error."""
    if raw not in allowed:
        raise IdentityRequestRefusedError(lazy_gettext("Choose a reason from the list."))
    return RequestReason(raw)


@require_roles(*CASE_ROLES)
def request_identity(code: str) -> ResponseReturnValue:
    """Ask the identity custodians to open the reporter's identity for me."""
    raw_reason = request.form.get("reason", "")

    def action(opened: OpenCase, actor: Actor) -> None:
        db = db_session()
        account = db.get(StaffAccount, actor.staff_id)
        assert account is not None  # noqa: S101 - the session's own account
        try:
            custody.request_identity(
                db, opened.case, account, request_reason(raw_reason), audit_key=current_audit_key()
            )
        except custody.NoIdentityError:
            raise IdentityRequestRefusedError(
                lazy_gettext("This case holds no identity an identity custodian can open.")
            ) from None
        except custody.DuplicateRequestError:
            raise IdentityRequestRefusedError(
                lazy_gettext(
                    "You already have a request for the identity the reporter sealed last."
                )
            ) from None
        except custody.NotHandlingCaseError:
            raise IdentityRequestRefusedError(
                lazy_gettext("Only a supervisor or investigator handling the case may ask.")
            ) from None

    return run_case_action(
        code,
        "identity:requested",
        action,
        lazy_gettext("Your request was sent to the identity custodians."),
        typed={"form": "identity", "reason": raw_reason[:64]},
    )


@require_roles(*CASE_ROLES)
def read_identity(code: str) -> ResponseReturnValue:
    """The reporter's identity, for the requester a custodian approved, until it expires."""
    actor = acting_staff()
    opened = load_case(code, actor, "identity:opened")
    db = db_session()
    account = db.get(StaffAccount, actor.staff_id)
    assert account is not None  # noqa: S101 - the session's own account
    try:
        shown = custody.read_identity(
            db,
            opened.case,
            account,
            actor.private_key,
            opened.dek,
            audit_key=current_audit_key(),
        )
    except IdentityUnavailableError:
        raise AccessDeniedError(NOT_APPROVED_TEXT) from None
    return render_template(
        "casework/identity.html",
        case=opened.case,
        identity=shown.document,
        until=shown.until,
        earlier=shown.earlier,
    )


def add_identity_routes(blueprint: Blueprint) -> None:
    """Put the identity pages on the casework blueprint (sipadu/casework/routes.py)."""
    blueprint.add_url_rule("/<code>/identitas/minta", view_func=request_identity, methods=["POST"])
    blueprint.add_url_rule("/<code>/identitas", view_func=read_identity, methods=["GET"])
