"""The reported agency (OPD, SKPD or UKPD) a reporter may name, from the admin's list, and
the agency → unit routing. The list holds names and codes only; which agency a report names
stays sealed inside the report (docs/reporting.md)."""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sipadu.audit.service import record_event
from sipadu.units.models import Agency, Unit
from sipadu.units.service import InvalidUnitCodeError, InvalidUnitNameError, UnitExistsError

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
MAX_AGENCY_NAME = 120


def list_agencies(db: Session, *, active_only: bool = False) -> list[Agency]:
    """The agencies by name (only those a reporter may choose, with ``active_only``)."""
    query = select(Agency).order_by(Agency.name)
    if active_only:
        query = query.where(Agency.active.is_(True))
    return list(db.scalars(query))


def active_agency_codes(db: Session) -> frozenset[str]:
    """Codes a report may name."""
    return frozenset(db.scalars(select(Agency.code).where(Agency.active.is_(True))))


def _checked(db: Session, code: str, name: str, besides: int | None) -> tuple[str, str]:
    code, name = code.strip().lower(), " ".join(name.split())
    if not _CODE.fullmatch(code):
        raise InvalidUnitCodeError(code[:40])
    if not name or len(name) > MAX_AGENCY_NAME:
        raise InvalidUnitNameError()
    clash = db.scalar(
        select(Agency.id).where(
            or_(Agency.code == code, Agency.name == name), Agency.id != (besides or 0)
        )
    )
    if clash is not None:
        raise UnitExistsError(code)
    return code, name


def create_agency(db: Session, code: str, name: str, *, audit_key: bytes, actor: str) -> Agency:
    """Add an agency reporters may name (its code never changes)."""
    code, name = _checked(db, code, name, None)
    agency = Agency(code=code, name=name, active=True, unit_id=None)
    db.add(agency)
    db.flush()
    record_event(db, audit_key, "agency:created", actor=actor, detail={"agency": code})
    return agency


def update_agency(
    db: Session,
    agency: Agency,
    name: str,
    *,
    active: bool,
    unit: Unit | None,
    audit_key: bytes,
    actor: str,
) -> None:
    """Rename, hide or show an agency, and route its cases to a unit (None: by place)."""
    _, agency.name = _checked(db, agency.code, name, agency.id)
    agency.active, agency.unit_id = active, unit.id if unit is not None else None
    db.flush()
    record_event(
        db,
        audit_key,
        "agency:changed",
        actor=actor,
        detail={"agency": agency.code, "active": active, "unit": unit.code if unit else None},
    )
