"""Archiving a closed case behind a confirmation page: it cannot be undone, and the retention
period starts (at its end the case is deleted), so one click on the case page only asks."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext, lazy_ngettext

from sipadu.app_context import current_audit_key
from sipadu.cases.statuses import Status
from sipadu.casework import service
from sipadu.casework.http import load_case
from sipadu.casework.views import acting_staff, confirm_page, run_case_action
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.web.auth import require_roles


@require_roles(StaffRole.SUPERVISOR)
def confirm_archive(code: str) -> ResponseReturnValue:
    """Ask before archiving: it is final, and the retention period starts."""
    opened = load_case(code, acting_staff(), "case:status_changed")
    days = service.retention_days(db_session())
    return confirm_page(
        opened,
        title=lazy_gettext("Archive %(code)s?", code=opened.case.code),
        explanation=lazy_ngettext(
            "Archiving cannot be undone: the case can no longer be reopened or changed. Its "
            "retention period starts today: after %(num)d day the case is deleted, unless a "
            "supervisor keeps it longer.",
            "Archiving cannot be undone: the case can no longer be reopened or changed. Its "
            "retention period starts today: after %(num)d days the case is deleted, unless a "
            "supervisor keeps it longer.",
            days,
        ),
        action=url_for("casework.archive", code=opened.case.code),
        button=lazy_gettext("Yes, archive %(code)s", code=opened.case.code),
    )


@require_roles(StaffRole.SUPERVISOR)
def archive(code: str) -> ResponseReturnValue:
    """Archive the case, as confirmed on the confirmation page."""
    return run_case_action(
        code,
        "case:status_changed",
        lambda opened, actor: service.change_status(
            db_session(),
            opened,
            actor,
            Status.DIARSIPKAN.value,
            audit_key=current_audit_key(),
        ),
        lazy_gettext("The case was archived."),
    )


def add_archive_routes(bp: Blueprint) -> None:
    """Add the archiving confirmation and its action to the casework blueprint."""
    bp.add_url_rule("/<code>/arsip", "confirm_archive", confirm_archive, methods=["GET"])
    bp.add_url_rule("/<code>/arsip", "archive", archive, methods=["POST"])
