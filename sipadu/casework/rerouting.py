"""Handing a case to another Inspektorat unit: its supervisors get the case key (re-wrapped
from the opener's DEK), optionally the case moves there and the old unit loses its grants.

A supervisor of the head unit always keeps the case: the head sees every case."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_audit_key
from sipadu.audit.service import record_event
from sipadu.cases.kinds import GrantReason
from sipadu.cases.service import grant_case, grant_for, is_conflicted, revoke_grant
from sipadu.casework import service
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.views import run_case_action
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.units.models import Unit
from sipadu.units.service import head_unit, unit_by_code, unit_members_clause
from sipadu.web.auth import require_roles


class RoutingError(service.CaseworkError):
    """The case cannot go to that unit (unknown, or nobody there could read it)."""


@dataclass(frozen=True)
class Rerouted:
    """What a hand-over did: supervisors granted, grants revoked, whether the actor left."""

    granted: int
    revoked: int
    actor_left: bool


def _members(db: Session, unit: Unit) -> list[StaffAccount]:
    return list(db.scalars(select(StaffAccount).where(unit_members_clause(unit))))


def _grant_unit(db: Session, opened: OpenCase, actor: Actor, members: list[StaffAccount]) -> int:
    granted = 0
    for member in members:
        if grant_for(db, opened.case, member.id) or is_conflicted(db, opened.case, member.id):
            continue
        grant_case(
            db,
            opened.case,
            opened.dek,
            member,
            reason=GrantReason.SUPERVISOR,
            granted_by=actor.staff_id,
        )
        granted += 1
    return granted


def _revoke_unit(db: Session, opened: OpenCase, old: Unit, keep: set[int]) -> list[int]:
    """Delete the supervisor grants of the old unit's members (investigators keep theirs)."""
    revoked = []
    for member in _members(db, old):
        grant = grant_for(db, opened.case, member.id)
        if member.id in keep or grant is None or grant.reason != GrantReason.SUPERVISOR:
            continue
        revoke_grant(db, opened.case, member.id)
        revoked.append(member.id)
    db.flush()
    return revoked


def reroute(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    unit_code: str,
    *,
    move: bool,
    revoke_old: bool,
    audit_key: bytes,
) -> Rerouted:
    """Share the case with ``unit_code``'s supervisors; ``move`` makes it that unit's case,
    ``revoke_old`` (only with ``move``) removes the previous unit's supervisor grants."""
    if actor.role != StaffRole.SUPERVISOR:
        raise service.NotSupervisorError(lazy_gettext("Only a supervisor may do this."))
    service.refuse_if_archived(opened)
    target = unit_by_code(db, unit_code)
    if target is None:
        raise RoutingError(lazy_gettext("Choose one of the listed units."))
    members = _members(db, target)
    if not members:
        raise RoutingError(
            lazy_gettext("This unit has no approved supervisor yet: nobody there could read it.")
        )
    old = unit_by_code(db, opened.case.unit) or head_unit(db)
    granted = _grant_unit(db, opened, actor, members)
    revoked: list[int] = []
    if move and revoke_old and old is not None and not old.is_head and old.id != target.id:
        revoked = _revoke_unit(db, opened, old, keep={m.id for m in members})
    if move:
        opened.case.unit = target.code
    record_event(
        db,
        audit_key,
        "case:routed",
        actor=actor.audit_actor,
        case_code=opened.case.code,
        detail={
            "from": old.code if old else None,
            "to": target.code,
            "moved": move,
            "granted": granted,
            "revoked": len(revoked),
        },
    )
    return Rerouted(granted, len(revoked), actor.staff_id in revoked)


@require_roles(StaffRole.SUPERVISOR)
def route_case(code: str) -> ResponseReturnValue:
    """Share the case with another unit, or move it there (optionally revoking the old
    unit's access); the case key is re-wrapped for the unit's supervisors."""
    form = request.form
    unit_code = (form.get("unit") or "")[:40]
    move, revoke_old = form.get("move") == "1", form.get("revoke") == "1"
    leave = move and revoke_old
    return run_case_action(
        code,
        "case:routed",
        lambda opened, actor: reroute(
            db_session(),
            opened,
            actor,
            unit_code,
            move=move,
            revoke_old=revoke_old,
            audit_key=current_audit_key(),
        ),
        lazy_gettext("The case was moved to the unit.")
        if move
        else lazy_gettext("The case was shared with the unit."),
        leave=leave,
        typed={
            "form": "unit",
            "unit": unit_code,
            "move": "1" if move else "",
            "revoke": "1" if revoke_old else "",
        },
    )


def add_routing_routes(bp: Blueprint) -> None:
    """Add the unit hand-over route to the casework blueprint."""
    bp.add_url_rule("/<code>/unit", "route_case", route_case, methods=["POST"])
