"""The approvers' pages: the identity custodian's pending identity requests, the
supervisor's pending export requests (approve or refuse each) and the redactions waiting to
be published (decided on the case's redaction page, after reading them).

The page shows metadata only (case code, who asks and in which role, the reason chosen from
the list, dates): the custodian holds no case DEK and reads nothing of the case. Approving
oneself is impossible by role and refused by the service whatever a form posts.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_audit_key
from sipadu.cases.identity import IdentityUnavailableError
from sipadu.cases.models import Case
from sipadu.confidential import export as exports
from sipadu.confidential import identity as custody
from sipadu.confidential.labels import REASON_LABELS, VIEW_LABELS
from sipadu.confidential.models import ApprovalAction, ApprovalRequest
from sipadu.confidential.pending import (
    pending_identity_requests,
    pending_of,
)
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.sessions.web import StaffPrincipal
from sipadu.unit_of_work import discard_now
from sipadu.web.auth import current_principal, require_roles
from sipadu.web.buttons import pressed_choice
from sipadu.web.nav import add_staff_nav
from sipadu.web.user_errors import NotFoundError, UserFacingError

bp = Blueprint("confidential", __name__, url_prefix="/petugas")
add_staff_nav(
    "confidential.requests", lazy_gettext("Identity requests"), (StaffRole.CUSTODIAN,), order=15
)
add_staff_nav(
    "confidential.approvals", lazy_gettext("Export requests"), (StaffRole.SUPERVISOR,), order=16
)
add_staff_nav(
    "confidential.publications",
    lazy_gettext("Redaction requests"),
    (StaffRole.SUPERVISOR,),
    order=17,
)
add_staff_nav(
    "confidential.forwards",
    lazy_gettext("Forwarding requests"),
    (StaffRole.SUPERVISOR,),
    order=18,
)


def _principal() -> StaffPrincipal:
    principal = current_principal()
    if not isinstance(principal, StaffPrincipal):
        raise UserFacingError(status=401)
    return principal


def _refused(message: str) -> ResponseReturnValue:
    discard_now()  # a refusal answered with a redirect: nothing of it is kept
    flash(message, "error")
    return redirect(url_for("confidential.requests"), code=303)


@bp.get("/identitas")
@require_roles(StaffRole.CUSTODIAN)
def requests() -> ResponseReturnValue:
    """Identity requests waiting for a decision, oldest first; a custodian not approved yet
    sees none (not even which cases have one) until another custodian approves them."""
    db = db_session()
    me = db.get(StaffAccount, _principal().staff_id)
    approved = me is not None and me.activation_approved_at is not None
    pending = pending_identity_requests(db) if approved else []
    codes = {row.case_id: db.get(Case, row.case_id) for row in pending}
    names = {row.requested_by: db.get(StaffAccount, row.requested_by) for row in pending}
    return render_template(
        "confidential/requests.html",
        pending=pending,
        cases={k: v.code for k, v in codes.items() if v is not None},
        names={k: v.username for k, v in names.items() if v is not None},
        reasons=REASON_LABELS,
        me=_principal().staff_id,
        approved=approved,
    )


@bp.post("/identitas/<int:request_id>/keputusan")
@require_roles(StaffRole.CUSTODIAN)
def decide(request_id: int) -> ResponseReturnValue:
    """Approve (the identity key re-wrapped for the requester, for a limited time) or refuse."""
    decision = pressed_choice(request.form, "decision")
    if decision not in ("approve", "refuse"):
        return _refused(gettext("Choose approve or refuse."))
    principal, db = _principal(), db_session()
    me = db.get(StaffAccount, principal.staff_id)
    assert me is not None  # noqa: S101 - the session's own account
    try:
        custody.decide(
            db,
            request_id,
            me,
            principal.private_key,
            approve=decision == "approve",
            audit_key=current_audit_key(),
        )
    except custody.NotADeciderError:
        if me.activation_approved_at is None:
            return _refused(
                gettext("Your activation waits for another identity custodian's approval.")
            )
        return _refused(gettext("Another identity custodian must decide this request."))
    except custody.RequestNotFoundError:
        raise NotFoundError(lazy_gettext("This request was not found.")) from None
    except custody.RequestClosedError:
        return _refused(gettext("This request is no longer waiting for a decision."))
    except custody.NotHandlingCaseError:
        return _refused(gettext("The requester no longer handles this case."))
    except IdentityUnavailableError:
        return _refused(
            gettext("Your key does not open this identity. Ask another identity custodian.")
        )
    if decision == "approve":
        flash(
            gettext("Approved: only the requester can read the identity, for 48 hours."), "success"
        )
    else:
        flash(gettext("The request was refused."), "success")
    return redirect(url_for("confidential.requests"), code=303)


def _listing(rows: list[ApprovalRequest]) -> dict[str, object]:
    db = db_session()
    cases = {row.case_id: db.get(Case, row.case_id) for row in rows}
    names = {row.requested_by: db.get(StaffAccount, row.requested_by) for row in rows}
    return {
        "pending": rows,
        "cases": {k: v.code for k, v in cases.items() if v is not None},
        "names": {k: v.username for k, v in names.items() if v is not None},
        "reasons": REASON_LABELS,
        "views": VIEW_LABELS,
        "me": _principal().staff_id,
    }


@bp.get("/ekspor")
@require_roles(StaffRole.SUPERVISOR)
def approvals() -> ResponseReturnValue:
    """Export requests waiting for a supervisor's approval (never one's own), oldest first."""
    return render_template(
        "confidential/approvals.html",
        **_listing(pending_of(db_session(), ApprovalAction.EXPORT_CASE)),
    )


@bp.post("/ekspor/<int:request_id>/keputusan")
@require_roles(StaffRole.SUPERVISOR)
def decide_export(request_id: int) -> ResponseReturnValue:
    """Approve one export of the case (within 48 hours) or refuse it."""
    decision = pressed_choice(request.form, "decision")
    back = redirect(url_for("confidential.approvals"), code=303)
    if decision not in ("approve", "refuse"):
        discard_now()
        flash(gettext("Choose approve or refuse."), "error")
        return back
    db = db_session()
    me = db.get(StaffAccount, _principal().staff_id)
    assert me is not None  # noqa: S101 - the session's own account
    try:
        exports.decide_export(
            db, request_id, me, approve=decision == "approve", audit_key=current_audit_key()
        )
    except exports.ExportNotAllowedError:
        discard_now()
        flash(gettext("Another supervisor must decide your own request."), "error")
        return back
    except exports.ExportRequestNotFoundError:
        raise NotFoundError(lazy_gettext("This request was not found.")) from None
    except exports.ExportRequestClosedError:
        discard_now()
        flash(gettext("This request is no longer waiting for a decision."), "error")
        return back
    flash(gettext("Decision recorded."), "success")
    return back


@bp.get("/redaksi")
@require_roles(StaffRole.SUPERVISOR)
def publications() -> ResponseReturnValue:
    """Redactions waiting to be published, oldest first; each links to the case's redaction
    page, where a supervisor holding the case reads and decides (never their own)."""
    return render_template(
        "confidential/publications.html",
        **_listing(pending_of(db_session(), ApprovalAction.PUBLISH_REDACTION)),
    )


@bp.get("/penerusan")
@require_roles(StaffRole.SUPERVISOR)
def forwards() -> ResponseReturnValue:
    """Forwarding requests waiting for a second supervisor, oldest first (metadata only);
    each links to the case page, where a supervisor holding the case reads the sealed
    details and decides (never their own)."""
    return render_template(
        "confidential/forwards.html",
        **_listing(pending_of(db_session(), ApprovalAction.FORWARD_CASE)),
    )
