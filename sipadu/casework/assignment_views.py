"""The case page's assignment and conflict-of-interest forms: assigning and unassigning
investigators (unassigning behind its confirmation page), declaring one's own conflict (behind
its confirmation page) and marking another staff member's (``assignment.py`` does the work)."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.app_context import current_audit_key
from sipadu.casework import assignment, forms
from sipadu.casework.http import load_case
from sipadu.casework.views import acting_staff, confirm_page, run_case_action
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES, StaffRole
from sipadu.web.auth import require_roles


@require_roles(StaffRole.SUPERVISOR)
def assign(code: str) -> ResponseReturnValue:
    """Assign an investigator (the case key is re-wrapped for them)."""
    name = forms.username(request.form)
    return run_case_action(
        code,
        "grant:created",
        lambda opened, actor: assignment.assign(
            db_session(), opened, actor, name, audit_key=current_audit_key()
        ),
        lazy_gettext("Investigator assigned."),
        typed={"form": "assign", "username": name},
    )


@require_roles(StaffRole.SUPERVISOR)
def unassign(code: str, username: str) -> ResponseReturnValue:
    """Unassign an investigator: their grant is deleted."""
    return run_case_action(
        code,
        "grant:revoked",
        lambda opened, actor: assignment.unassign(
            db_session(), opened, actor, username, audit_key=current_audit_key()
        ),
        lazy_gettext("Investigator unassigned."),
    )


@require_roles(StaffRole.SUPERVISOR)
def confirm_unassign(code: str, username: str) -> ResponseReturnValue:
    """Ask before unassigning: the investigator loses the case's key at once."""
    opened = load_case(code, acting_staff(), "grant:revoked")
    return confirm_page(
        opened,
        title=lazy_gettext("Unassign %(name)s from %(code)s?", name=username, code=code),
        explanation=lazy_gettext(
            "%(name)s loses access to this case at once: its key is removed for them. To give "
            "it back, assign them again.",
            name=username,
        ),
        action=url_for("casework.unassign", code=opened.case.code, username=username),
        button=lazy_gettext("Yes, unassign %(name)s", name=username),
    )


@require_roles(*CASE_ROLES)
def confirm_declare_conflict(code: str) -> ResponseReturnValue:
    """Ask before declaring one's own conflict: it cannot be undone from the console."""
    opened = load_case(code, acting_staff(), "conflict:declared")
    return confirm_page(
        opened,
        title=lazy_gettext("Declare your conflict of interest in %(code)s?", code=code),
        explanation=lazy_gettext(
            "You lose access to this case at once and it leaves your inbox. This cannot be "
            "undone from the console, and nobody can assign the case to you while the "
            "conflict stands."
        ),
        action=url_for("casework.declare_conflict", code=opened.case.code),
        button=lazy_gettext("Yes, declare my conflict"),
    )


@require_roles(*CASE_ROLES)
def declare_conflict(code: str) -> ResponseReturnValue:
    """Declare one's own conflict of interest: the case leaves one's inbox at once."""
    return run_case_action(
        code,
        "conflict:declared",
        lambda opened, actor: assignment.declare_conflict(
            db_session(), opened, actor, audit_key=current_audit_key()
        ),
        lazy_gettext("Conflict of interest recorded. You no longer have access to this case."),
        leave=True,
    )


@require_roles(StaffRole.SUPERVISOR)
def mark_conflict(code: str) -> ResponseReturnValue:
    """Mark another staff member as conflicted in this case."""
    name = forms.username(request.form)
    return run_case_action(
        code,
        "conflict:marked",
        lambda opened, actor: assignment.mark_conflict(
            db_session(), opened, actor, name, audit_key=current_audit_key()
        ),
        lazy_gettext("Conflict of interest recorded."),
        typed={"form": "conflict", "username": name},
    )


def add_assignment_routes(bp: Blueprint) -> None:
    """Add the assignment and conflict-of-interest routes to the casework blueprint."""
    bp.add_url_rule("/<code>/penugasan", "assign", assign, methods=["POST"])
    bp.add_url_rule("/<code>/penugasan/<username>/hapus", "unassign", unassign, methods=["POST"])
    bp.add_url_rule(
        "/<code>/penugasan/<username>/hapus",
        "confirm_unassign",
        confirm_unassign,
        methods=["GET"],
    )
    bp.add_url_rule(
        "/<code>/konflik", "confirm_declare_conflict", confirm_declare_conflict, methods=["GET"]
    )
    bp.add_url_rule("/<code>/konflik", "declare_conflict", declare_conflict, methods=["POST"])
    bp.add_url_rule("/<code>/konflik/tandai", "mark_conflict", mark_conflict, methods=["POST"])
