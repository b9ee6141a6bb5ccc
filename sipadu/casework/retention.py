"""Retention for supervisors: what is due for purge soon, and keeping a case longer
with a reason. The purge itself is `sipadu retention run` (sipadu/ops/retention.py)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_audit_key
from sipadu.cases.models import Case, CaseGrant
from sipadu.casework import service
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.retention_extension import extend_retention
from sipadu.casework.views import acting_staff, run_case_action
from sipadu.db import db_session
from sipadu.ops.retention import DueCase, RetentionError, cases_due_for_purge
from sipadu.roles import StaffRole
from sipadu.web.auth import require_roles
from sipadu.web.nav import add_staff_nav

DUE_WITHIN_DAYS = 14
add_staff_nav(
    "casework.retention_due", lazy_gettext("Due for purge"), (StaffRole.SUPERVISOR,), order=20
)


class RetentionChangeError(service.CaseworkError):
    """The new retention date or the reason was not acceptable."""


def due_for(db: Session, staff_id: int, today: date) -> list[DueCase]:
    """Cases due for purge within 14 days that this supervisor holds a grant for."""
    codes = set(
        db.scalars(
            select(Case.code)
            .join(CaseGrant, CaseGrant.case_id == Case.id)
            .where(CaseGrant.staff_id == staff_id, Case.retention_until.is_not(None))
        )
    )
    return [
        due for due in cases_due_for_purge(db, DUE_WITHIN_DAYS, today=today) if due.code in codes
    ]


@require_roles(StaffRole.SUPERVISOR)
def retention_due() -> ResponseReturnValue:
    """Archived cases whose retention ends in the coming 14 days."""
    actor = acting_staff()
    today = service.today()
    return render_template(
        "casework/retention.html",
        due=due_for(db_session(), actor.staff_id, today),
        today=today,
        within=DUE_WITHIN_DAYS,
    )


def _parse_until(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise RetentionChangeError(lazy_gettext("Enter the new date as YYYY-MM-DD.")) from None


@require_roles(StaffRole.SUPERVISOR)
def extend(code: str) -> ResponseReturnValue:
    """Keep an archived case longer than its retention period, with a reason."""
    raw_until = request.form.get("until", "")
    reason = request.form.get("reason", "")

    def action(opened: OpenCase, actor: Actor) -> None:
        until = _parse_until(raw_until)
        try:
            extend_retention(
                db_session(),
                opened.case,
                until,
                reason,
                staff_id=actor.staff_id,
                dek=opened.dek,
                audit_key=current_audit_key(),
                today=service.today(),
            )
        except RetentionError:
            raise RetentionChangeError(
                lazy_gettext(
                    "Only an archived case can be kept longer, until a date later than its "
                    "current end, and a reason is required."
                )
            ) from None

    return run_case_action(
        code,
        "case:retention_extended",
        action,
        lazy_gettext("The case will be kept until the new date."),
        typed={"form": "retention", "until": raw_until[:32], "reason": reason[:2000]},
    )


def add_retention_routes(blueprint: Blueprint) -> None:
    """Put the retention pages on the casework blueprint (sipadu/casework/routes.py)."""
    blueprint.add_url_rule("/retensi", view_func=retention_due, methods=["GET"])
    blueprint.add_url_rule("/<code>/retensi", view_func=extend, methods=["POST"])
