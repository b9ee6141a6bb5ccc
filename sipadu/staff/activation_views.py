"""Supervisors approve each other's activation and share the open cases they hold.

Only an approved supervisor sees the actions; approving oneself, or approving as an admin,
is refused by the service whatever a form posts (``sipadu/staff/activation.py``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_audit_key
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.sessions.web import StaffPrincipal
from sipadu.staff import activation
from sipadu.unit_of_work import discard_now
from sipadu.web.auth import current_principal, require_roles
from sipadu.web.nav import add_staff_nav
from sipadu.web.user_errors import UserFacingError

bp = Blueprint("activation", __name__, url_prefix="/staff/activations")
add_staff_nav("activation.overview", lazy_gettext("Activations"), (StaffRole.SUPERVISOR,), order=40)


def _principal() -> StaffPrincipal:
    principal = current_principal()
    if not isinstance(principal, StaffPrincipal):
        raise UserFacingError(status=401)
    return principal


def _me() -> StaffAccount | None:
    return db_session().get(StaffAccount, _principal().staff_id)


def _refused(message: str) -> ResponseReturnValue:
    discard_now()  # a refusal answered with a redirect: nothing of it is kept
    flash(message, "error")
    return redirect(url_for("activation.overview"), code=303)


@bp.get("/")
@require_roles(StaffRole.SUPERVISOR)
def overview() -> ResponseReturnValue:
    """Supervisors waiting for approval, and the approved ones one may share cases with."""
    db, me = db_session(), _me()
    approver = activation.is_approved_supervisor(me)
    colleagues = activation.approved_supervisors(db, besides=me.id) if me and approver else []
    shareable = (
        {c.id: activation.shareable_count(db, me.id, c.id) for c in colleagues} if me else {}
    )
    return render_template(
        "staff/activations.html",
        approver=approver,
        waiting=activation.awaiting_approval(db) if approver else [],
        colleagues=colleagues,
        shareable=shareable,
        first=not approver and not activation.readers_exist(db),
        held=activation.open_cases_held(db, me.id) if me and approver else 0,
        username=me.username if me else "",
    )


@bp.post("/<int:staff_id>/approve")
@require_roles(StaffRole.SUPERVISOR)
def approve(staff_id: int) -> ResponseReturnValue:
    """Approve another supervisor's activation; new cases reach them from now on."""
    db = db_session()
    try:
        target = activation.approve_activation(
            db, _principal().staff_id, staff_id, audit_key=current_audit_key()
        )
    except activation.SelfApprovalError:
        return _refused(gettext("Another supervisor must approve your activation."))
    except activation.ActivationError:
        return _refused(gettext("This activation cannot be approved."))
    flash(
        gettext(
            "%(name)s is approved and receives new cases from now on. Share the open "
            "cases you hold so they can work on those too.",
            name=target.username,
        ),
        "success",
    )
    return redirect(url_for("activation.overview"), code=303)


@bp.post("/<int:staff_id>/share")
@require_roles(StaffRole.SUPERVISOR)
def share(staff_id: int) -> ResponseReturnValue:
    """Give an approved supervisor every open case this supervisor holds (one step)."""
    principal, db = _principal(), db_session()
    try:
        result = activation.share_open_cases(
            db, principal.staff_id, principal.private_key, staff_id, audit_key=current_audit_key()
        )
    except activation.ActivationError:
        return _refused(gettext("Cases can be shared only between approved supervisors."))
    flash(gettext("%(count)d open cases were shared.", count=result.shared), "success")
    return redirect(url_for("activation.overview"), code=303)
