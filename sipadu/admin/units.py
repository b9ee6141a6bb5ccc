"""The admin's units page: units, the kota → unit routing rules and each supervisor's unit.

Only metadata: no route here opens a case or changes who holds an existing case."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from sipadu.accounts.models import StaffAccount
from sipadu.admin.views import _account, _actor
from sipadu.app_context import current_audit_key
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.unit_of_work import discard_now
from sipadu.units import agencies, service
from sipadu.units.areas import jakarta_areas
from sipadu.units.models import Agency, Unit
from sipadu.web.auth import require_roles
from sipadu.web.nav import add_staff_nav
from sipadu.web.user_errors import NotFoundError

add_staff_nav("admin.units", lazy_gettext("Units"), (StaffRole.ADMIN,), order=63)
UNIT_ERRORS: dict[type[service.UnitError], Any] = {
    service.InvalidUnitCodeError: lazy_gettext(
        "The code must be 2 to 40 lower-case letters, digits or hyphens."
    ),
    service.InvalidUnitNameError: lazy_gettext("Give it a name of at most 120 characters."),
    service.UnitExistsError: lazy_gettext("This code or name is already in use."),
    service.LastHeadUnitError: lazy_gettext(
        "At least one unit must stay the head unit: cases without a route go there."
    ),
    service.UnknownUnitError: lazy_gettext("Choose one of the listed units."),
}


def _back(error: service.UnitError | None = None) -> ResponseReturnValue:
    if error is not None:
        discard_now(db_session())  # a refusal answered with a redirect keeps nothing of it
        flash(UNIT_ERRORS[type(error)], "error")
    return redirect(url_for("admin.units"), code=303)


def _unit(unit_id: str | None) -> Unit | None:
    """The chosen unit; an empty choice means the head unit (None)."""
    if not unit_id:
        return None
    unit = db_session().get(Unit, int(unit_id)) if unit_id.isdigit() else None
    if unit is None:
        raise service.UnknownUnitError(unit_id[:12])
    return unit


@require_roles(StaffRole.ADMIN)
def units() -> str:
    """Units, where each kota's new cases go, and which unit each supervisor belongs to."""
    db = db_session()
    supervisors = db.scalars(
        select(StaffAccount)
        .where(StaffAccount.role == StaffRole.SUPERVISOR, StaffAccount.active.is_(True))
        .order_by(StaffAccount.username)
    )
    return render_template(
        "admin/units.html",
        units=service.list_units(db),
        routes=service.routes(db),
        kota=jakarta_areas().kota.values(),
        supervisors=list(supervisors),
        agencies=agencies.list_agencies(db),
    )


@require_roles(StaffRole.ADMIN)
def create_unit() -> ResponseReturnValue:
    """Add a unit (its code is permanent)."""
    form = request.form
    try:
        service.create_unit(
            db_session(),
            form.get("code", "")[:64],
            form.get("name", "")[:400],
            is_head=form.get("is_head") == "1",
            audit_key=current_audit_key(),
            actor=_actor(),
        )
    except service.UnitError as error:
        return _back(error)
    flash(gettext("Unit saved."), "success")
    return _back()


@require_roles(StaffRole.ADMIN)
def update_unit(unit_id: int) -> ResponseReturnValue:
    """Rename a unit or change whether it is a head unit."""
    unit = db_session().get(Unit, unit_id)
    if unit is None:
        raise NotFoundError()
    try:
        service.update_unit(
            db_session(),
            unit,
            request.form.get("name", "")[:400],
            is_head=request.form.get("is_head") == "1",
            audit_key=current_audit_key(),
            actor=_actor(),
        )
    except service.UnitError as error:
        return _back(error)
    flash(gettext("Unit saved."), "success")
    return _back()


@require_roles(StaffRole.ADMIN)
def set_routes() -> ResponseReturnValue:
    """Where each kota's new cases go (an empty choice: the head unit)."""
    db, current = db_session(), service.routes(db_session())
    try:
        for code in jakarta_areas().kota:
            unit = _unit(request.form.get(f"route-{code}"))
            if current.get(code) != (unit.id if unit else None):
                service.set_route(db, code, unit, audit_key=current_audit_key(), actor=_actor())
    except service.UnitError as error:
        return _back(error)
    flash(gettext("Routing saved."), "success")
    return _back()


@require_roles(StaffRole.ADMIN)
def set_member(staff_id: int) -> ResponseReturnValue:
    """Put a supervisor in a unit: new cases of that unit are wrapped for them."""
    account = _account(staff_id)
    try:
        service.set_staff_unit(
            db_session(),
            account,
            _unit(request.form.get("unit")),
            audit_key=current_audit_key(),
            actor=_actor(),
        )
    except service.UnitError as error:
        return _back(error)
    flash(gettext("Unit of %(name)s saved.", name=account.username), "success")
    return _back()


@require_roles(StaffRole.ADMIN)
def create_agency() -> ResponseReturnValue:
    """Add an agency reporters may name."""
    form = request.form
    try:
        agencies.create_agency(
            db_session(),
            form.get("code", "")[:64],
            form.get("name", "")[:400],
            audit_key=current_audit_key(),
            actor=_actor(),
        )
    except service.UnitError as error:
        return _back(error)
    flash(gettext("Agency saved."), "success")
    return _back()


@require_roles(StaffRole.ADMIN)
def update_agency(agency_id: int) -> ResponseReturnValue:
    """Rename an agency, offer or hide it, and route its cases to a unit."""
    agency = db_session().get(Agency, agency_id)
    if agency is None:
        raise NotFoundError()
    form = request.form
    try:
        agencies.update_agency(
            db_session(),
            agency,
            form.get("name", "")[:400],
            active=form.get("active") == "1",
            unit=_unit(form.get("unit")),
            audit_key=current_audit_key(),
            actor=_actor(),
        )
    except service.UnitError as error:
        return _back(error)
    flash(gettext("Agency saved."), "success")
    return _back()


def add_unit_routes(bp: Blueprint) -> None:
    """Add the units pages to the admin blueprint."""
    bp.add_url_rule("/unit", "units", units, methods=["GET"])
    bp.add_url_rule("/unit", "create_unit", create_unit, methods=["POST"])
    bp.add_url_rule("/unit/<int:unit_id>", "update_unit", update_unit, methods=["POST"])
    bp.add_url_rule("/unit/rute", "set_routes", set_routes, methods=["POST"])
    bp.add_url_rule("/unit/anggota/<int:staff_id>", "set_member", set_member, methods=["POST"])
    bp.add_url_rule("/unit/instansi", "create_agency", create_agency, methods=["POST"])
    bp.add_url_rule(
        "/unit/instansi/<int:agency_id>", "update_agency", update_agency, methods=["POST"]
    )
