"""Units and routing: which supervisors a new case is wrapped for, and the admin's changes.

A case goes to the unit its incident's kota routes to (an admin rule), else to the head
unit. Its readers are the approved supervisors of that unit plus those of every head unit;
a supervisor without a unit counts as a member of the head unit (accounts made before units
existed keep receiving every case). Only metadata lives here: codes, names, counts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount, case_reader_clause
from sipadu.audit.service import record_event
from sipadu.roles import StaffRole
from sipadu.units.areas import jakarta_areas
from sipadu.units.models import Agency, RoutingRule, Unit

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
MAX_NAME_CHARS = 120


class UnitError(ValueError):
    """A unit change was refused; the views show a translatable message for each kind."""


class InvalidUnitCodeError(UnitError):
    """The code is not 2-40 lower-case letters, digits or hyphens."""


class InvalidUnitNameError(UnitError):
    """The name is empty or longer than 120 characters."""


class UnitExistsError(UnitError):
    """Another unit already has this code or name."""


class LastHeadUnitError(UnitError):
    """At least one head unit must remain: unrouted cases go there."""


class UnknownUnitError(UnitError):
    """No unit has this id or code (or the area code is not a DKI Jakarta kota)."""


def list_units(db: Session) -> list[Unit]:
    """Every unit, head units first, then by name."""
    return list(db.scalars(select(Unit).order_by(Unit.is_head.desc(), Unit.name)))


def unit_by_code(db: Session, code: str | None) -> Unit | None:
    """The unit with this code, or None."""
    return db.scalar(select(Unit).where(Unit.code == code)) if code else None


def unit_names(db: Session) -> dict[str, str]:
    """Unit code to name, for pages and statistics."""
    return {code: name for code, name in db.execute(select(Unit.code, Unit.name)).all()}


def head_unit(db: Session) -> Unit | None:
    """The head unit unrouted cases go to (the first by name when several are heads)."""
    return db.scalar(select(Unit).where(Unit.is_head.is_(True)).order_by(Unit.name).limit(1))


def _head_ids() -> ColumnElement[bool]:
    heads = select(Unit.id).where(Unit.is_head.is_(True)).scalar_subquery()
    return or_(StaffAccount.unit_id.is_(None), StaffAccount.unit_id.in_(heads))


def unit_reader_clause(unit: Unit | None) -> ColumnElement[bool]:
    """Approved supervisors who receive a case routed to ``unit``: its own and the head's."""
    members = _head_ids() if unit is None else or_(_head_ids(), StaffAccount.unit_id == unit.id)
    return case_reader_clause() & members


def unit_members_clause(unit: Unit) -> ColumnElement[bool]:
    """Approved supervisors of exactly this unit (a head unit includes those without one)."""
    if unit.is_head:
        return case_reader_clause() & or_(
            StaffAccount.unit_id.is_(None), StaffAccount.unit_id == unit.id
        )
    return case_reader_clause() & (StaffAccount.unit_id == unit.id)


def unit_lacks_supervisor(db: Session, code: str | None) -> bool:
    """Whether the unit ``code`` names has no approved supervisor of its own: its cases are
    read only by the head unit until one is approved or the case is moved."""
    unit = unit_by_code(db, code) if code else None
    if unit is None or unit.is_head:
        return False
    members = select(StaffAccount.id).where(unit_members_clause(unit)).limit(1)
    return db.scalar(members) is None


def member_unit_code(db: Session, account: StaffAccount) -> str | None:
    """The unit code whose cases a supervisor receives; None for the head unit (every case).

    Sharing old cases with a newly approved supervisor stays within this unit."""
    unit = db.get(Unit, account.unit_id) if account.unit_id is not None else None
    return None if unit is None or unit.is_head else unit.code


def route_for(db: Session, kota_code: str | None, agency_code: str | None = None) -> Unit | None:
    """The unit a new case goes to: the reported agency's unit if the admin set one (the more
    specific rule), else the kota's, else the head unit."""
    if agency_code:
        by_agency = db.scalar(
            select(Unit).join(Agency, Agency.unit_id == Unit.id).where(Agency.code == agency_code)
        )
        if by_agency is not None:
            return by_agency
    if kota_code:
        routed = db.scalar(
            select(Unit)
            .join(RoutingRule, RoutingRule.unit_id == Unit.id)
            .where(RoutingRule.kota_code == kota_code)
        )
        if routed is not None:
            return routed
    return head_unit(db)


def routes(db: Session) -> dict[str, int]:
    """Kota code to unit id, as the admin set them."""
    rows = db.execute(select(RoutingRule.kota_code, RoutingRule.unit_id))
    return {kota: unit_id for kota, unit_id in rows}


def _checked(db: Session, code: str, name: str, *, besides: int | None = None) -> tuple[str, str]:
    code, name = code.strip().lower(), " ".join(name.split())
    if not _CODE.fullmatch(code):
        raise InvalidUnitCodeError(code[:40])
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidUnitNameError()
    clash = db.scalar(
        select(Unit.id).where(or_(Unit.code == code, Unit.name == name), Unit.id != (besides or 0))
    )
    if clash is not None:
        raise UnitExistsError(code)
    return code, name


def create_unit(
    db: Session, code: str, name: str, *, is_head: bool, audit_key: bytes, actor: str
) -> Unit:
    """Add a unit; its code never changes afterwards (cases and the audit log keep it)."""
    code, name = _checked(db, code, name)
    unit = Unit(code=code, name=name, is_head=is_head, created_at=datetime.now(UTC))
    db.add(unit)
    db.flush()
    record_event(db, audit_key, "unit:created", actor=actor, detail={"unit": code, "head": is_head})
    return unit


def update_unit(
    db: Session, unit: Unit, name: str, *, is_head: bool, audit_key: bytes, actor: str
) -> None:
    """Rename a unit or change its head flag (never leaving no head unit)."""
    _, unit.name = _checked(db, unit.code, name, besides=unit.id)
    if unit.is_head and not is_head:
        others = select(Unit.id).where(Unit.is_head.is_(True), Unit.id != unit.id).limit(1)
        if db.scalar(others) is None:
            raise LastHeadUnitError(unit.code)
    unit.is_head = is_head
    db.flush()
    record_event(
        db, audit_key, "unit:changed", actor=actor, detail={"unit": unit.code, "head": is_head}
    )


def set_route(
    db: Session, kota_code: str, unit: Unit | None, *, audit_key: bytes, actor: str
) -> None:
    """Send new cases of a kota to ``unit`` (None: to the head unit)."""
    if kota_code not in jakarta_areas().kota:
        raise UnknownUnitError(kota_code[:8])
    db.execute(delete(RoutingRule).where(RoutingRule.kota_code == kota_code))
    if unit is not None:
        db.add(RoutingRule(kota_code=kota_code, unit_id=unit.id))
    db.flush()
    record_event(
        db,
        audit_key,
        "unit:route_set",
        actor=actor,
        detail={"kota": kota_code, "unit": unit.code if unit else None},
    )


def set_staff_unit(
    db: Session, account: StaffAccount, unit: Unit | None, *, audit_key: bytes, actor: str
) -> None:
    """Put a supervisor in a unit (None: the head unit). Cases they already hold stay theirs;
    only new cases follow the unit."""
    if account.role != StaffRole.SUPERVISOR:
        raise UnknownUnitError("only supervisors belong to a unit")
    account.unit_id = unit.id if unit is not None else None
    db.flush()
    record_event(
        db,
        audit_key,
        "unit:member_set",
        actor=actor,
        detail={"staff": account.id, "unit": unit.code if unit else None},
    )
