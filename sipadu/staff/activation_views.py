"""Supervisors (and identity custodians) approve each other's activation; supervisors share
the open cases they hold, a custodian's approval shares the identities they hold.

Only an approved account of the role sees the actions; approving oneself, another role's
account, or approving as an admin, is refused by the service whatever a form posts
(``sipadu/staff/activation.py``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext, ngettext

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_audit_key
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.sessions.web import StaffPrincipal
from sipadu.staff import activation, case_sharing
from sipadu.unit_of_work import discard_now
from sipadu.web.auth import current_principal, require_roles
from sipadu.web.nav import add_staff_nav
from sipadu.web.user_errors import UserFacingError

bp = Blueprint("activation", __name__, url_prefix="/staff/activations")
ROLES = (StaffRole.SUPERVISOR, StaffRole.CUSTODIAN)
add_staff_nav("activation.overview", lazy_gettext("Activations"), ROLES, order=40)


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
@require_roles(*ROLES)
def overview() -> ResponseReturnValue:
    """Colleagues of my role waiting for approval, and (supervisors) whom to share cases with."""
    db, me = db_session(), _me()
    role = me.role if me is not None else StaffRole.SUPERVISOR
    approver = activation.is_approved(me, role)
    supervisor = approver and role == StaffRole.SUPERVISOR
    colleagues = case_sharing.approved_supervisors(db, besides=me.id) if me and supervisor else []
    shareable = (
        {c.id: case_sharing.shareable_count(db, me.id, c.id) for c in colleagues} if me else {}
    )
    return render_template(
        "staff/activations.html",
        approver=approver,
        custodian=role == StaffRole.CUSTODIAN,
        waiting=activation.awaiting_approval(db, role) if approver else [],
        colleagues=colleagues,
        shareable=shareable,
        first=not approver and not activation.approved_exists(db, role),
        held=case_sharing.open_cases_held(db, me.id) if me and supervisor else 0,
        username=me.username if me else "",
    )


@bp.post("/<int:staff_id>/approve")
@require_roles(*ROLES)
def approve(staff_id: int) -> ResponseReturnValue:
    """Approve a colleague's activation: new cases (or identities) reach them from now on."""
    principal, db = _principal(), db_session()
    try:
        target = activation.approve_activation(
            db,
            principal.staff_id,
            staff_id,
            audit_key=current_audit_key(),
            private_key=principal.private_key,
        )
    except activation.SelfApprovalError:
        me = _me()
        if me is not None and me.role == StaffRole.CUSTODIAN:
            return _refused(gettext("Another identity custodian must approve your activation."))
        return _refused(gettext("Another supervisor must approve your activation."))
    except activation.ActivationError:
        return _refused(gettext("This activation cannot be approved."))
    if target.role == StaffRole.CUSTODIAN:
        message = gettext(
            "%(name)s is approved: the identities you hold were shared with them, and new "
            "identities are sealed for them too.",
            name=target.username,
        )
    else:
        message = gettext(
            "%(name)s is approved and receives new cases from now on. Share the open "
            "cases you hold so they can work on those too.",
            name=target.username,
        )
    flash(message, "success")
    return redirect(url_for("activation.overview"), code=303)


@bp.post("/<int:staff_id>/share")
@require_roles(StaffRole.SUPERVISOR)
def share(staff_id: int) -> ResponseReturnValue:
    """Give an approved supervisor every open case this supervisor holds (one step)."""
    principal, db = _principal(), db_session()
    try:
        result = case_sharing.share_open_cases(
            db, principal.staff_id, principal.private_key, staff_id, audit_key=current_audit_key()
        )
    except activation.ActivationError:
        return _refused(gettext("Cases can be shared only between approved supervisors."))
    flash(
        ngettext("%(num)d open case was shared.", "%(num)d open cases were shared.", result.shared),
        "success",
    )
    return redirect(url_for("activation.overview"), code=303)
