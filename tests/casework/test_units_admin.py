"""The admin's units page: adding and renaming units, the head flag that cannot vanish, the
kota routing and a supervisor's unit, each posted as the rendered page sends it; only the
admin reaches it, and what it changes decides who receives the next case."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.cases.models import Case, CaseGrant
from sipadu.reporting.service import submit_report
from sipadu.units.models import Agency, RoutingRule, Unit
from sipadu.units.service import unit_by_code
from tests.casework.conftest import detail_of, events, web_client
from tests.support.factories import make_staff
from tests.support.forms import submit

P = "/admin/unit"


@pytest.fixture
def admin(app: Flask, db: Session) -> FlaskClient:
    member = make_staff(app, db, "admin")
    db.commit()
    return web_client(app, db, member)


def _unit(db: Session, code: str) -> Unit:
    db.expire_all()
    unit = unit_by_code(db, code)
    assert unit is not None
    return unit


def test_admin_adds_renames_and_keeps_a_head_unit(
    app: Flask, db: Session, admin: FlaskClient
) -> None:
    added = submit(
        admin,
        admin.get(P),
        P,
        fill={"code": "irban-investigasi", "name": "Inspektur Pembantu Investigasi"},
    )
    assert added.status_code == 303
    unit = _unit(db, "irban-investigasi")
    assert unit.name == "Inspektur Pembantu Investigasi" and not unit.is_head
    renamed = submit(
        admin, admin.get(P), f"{P}/{unit.id}", fill={"name": "Irban Investigasi"}, tick=["is_head"]
    )
    assert renamed.status_code == 303
    assert _unit(db, "irban-investigasi").is_head
    # Both heads: the seeded one may stop being head, the last one may not.
    head = _unit(db, "inspektur")
    submit(admin, admin.get(P), f"{P}/{head.id}", fill={"name": head.name}, tick={"is_head": False})
    assert not _unit(db, "inspektur").is_head
    last = _unit(db, "irban-investigasi")
    refused = submit(
        admin, admin.get(P), f"{P}/{last.id}", fill={"name": last.name}, tick={"is_head": False}
    )
    assert refused.status_code == 303
    assert _unit(db, "irban-investigasi").is_head
    assert "flash-error" in admin.get(P).get_data(as_text=True)
    assert [detail_of(e)["unit"] for e in events(db, "unit:created")] == ["irban-investigasi"]


@pytest.mark.parametrize(
    ("code", "name"),
    [("X", "Nama"), ("irban jakpus", "Nama"), ("irban-jakpus", "Nama baru"), ("baru", " ")],
)
def test_bad_or_duplicate_units_are_refused(
    app: Flask, db: Session, admin: FlaskClient, code: str, name: str
) -> None:
    before = len(db.scalars(select(Unit)).all())
    answer = submit(admin, admin.get(P), P, fill={"code": code, "name": name})
    assert answer.status_code == 303
    page = admin.get(P).get_data(as_text=True)
    assert "flash-error" in page
    db.expire_all()
    assert len(db.scalars(select(Unit)).all()) == before


def test_routing_and_membership_decide_who_gets_the_next_case(
    app: Flask, db: Session, admin: FlaskClient
) -> None:
    head = make_staff(app, db, "supervisor")
    regional = make_staff(app, db, "supervisor")
    db.commit()
    jaksel = _unit(db, "irban-jaksel")
    member = submit(
        admin, admin.get(P), f"{P}/anggota/{regional.account.id}", fill={"unit": str(jaksel.id)}
    )
    assert member.status_code == 303
    # Jakarta Pusat now goes to the Jakarta Selatan unit; Jakarta Utara to the head unit.
    routed = submit(
        admin,
        admin.get(P),
        f"{P}/rute",
        fill={"route-31.71": str(jaksel.id), "route-31.72": ""},
    )
    assert routed.status_code == 303
    db.expire_all()
    rules = {k: v for k, v in db.execute(select(RoutingRule.kota_code, RoutingRule.unit_id))}
    assert rules["31.71"] == jaksel.id and "31.72" not in rules
    settings = current_settings(app)
    for place, holders in (
        ("31.71.01", {head.account.id, regional.account.id}),
        ("31.72", {head.account.id}),
    ):
        report: dict[str, object] = {"category": "kkn", "what": "Suap.", "location": place}
        case = submit_report(db, report, None, [], settings).created.case
        db.commit()
        got = set(db.scalars(select(CaseGrant.staff_id).where(CaseGrant.case_id == case.id)))
        assert got == holders, place
    assert {detail_of(e)["kota"] for e in events(db, "unit:route_set")} == {"31.71", "31.72"}


def test_a_forged_unit_choice_changes_nothing(app: Flask, db: Session, admin: FlaskClient) -> None:
    regional = make_staff(app, db, "supervisor")
    db.commit()
    page = admin.get(P).get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    for value in ("99999", "abc"):
        answer = admin.post(
            f"{P}/anggota/{regional.account.id}", data={"csrf_token": token, "unit": value}
        )
        assert answer.status_code == 303
    db.expire_all()
    assert db.get(type(regional.account), regional.account.id).unit_id is None  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["supervisor", "investigator", "auditor"])
def test_only_the_admin_reaches_the_units_page(app: Flask, db: Session, role: str) -> None:
    member = make_staff(app, db, role)
    db.commit()
    client = web_client(app, db, member)
    assert client.get(P).status_code == 403
    assert client.post(f"{P}/rute", data={"route-31.71": ""}).status_code in {400, 403}
    assert app.test_client().get(P).status_code in {401, 303}


def test_agencies_are_listed_routed_and_hidden_by_the_admin(
    app: Flask, db: Session, admin: FlaskClient
) -> None:
    head = make_staff(app, db, "supervisor")
    regional = make_staff(app, db, "supervisor")
    jaktim = _unit(db, "irban-jaktim")
    regional.account.unit_id = jaktim.id
    db.commit()
    added = submit(admin, admin.get(P), f"{P}/instansi", fill={"code": "dpkp", "name": "DKPKP"})
    assert added.status_code == 303
    agency = db.scalar(select(Agency).where(Agency.code == "dpkp"))
    assert agency is not None and agency.active and agency.unit_id is None
    routed = submit(
        admin,
        admin.get(P),
        f"{P}/instansi/{agency.id}",
        fill={"name": "Dinas Ketahanan Pangan", "unit": str(jaktim.id)},
    )
    assert routed.status_code == 303
    reporter = app.test_client()
    form = reporter.get("/laporan")
    assert "Dinas Ketahanan Pangan" in form.get_data(as_text=True)
    sent = submit(
        reporter,
        form,
        "/laporan",
        # The agency's rule wins over the place's (Jakarta Pusat's unit has nobody here).
        fill={"category": "kkn", "what": "Suap.", "agency": "dpkp", "location": "31.71"},
    )
    assert sent.status_code == 201
    case = db.scalar(select(Case).order_by(Case.id.desc()))
    assert case is not None and case.unit == "irban-jaktim"
    got = set(db.scalars(select(CaseGrant.staff_id).where(CaseGrant.case_id == case.id)))
    assert got == {head.account.id, regional.account.id}
    staff_page = web_client(app, db, regional).get(f"/petugas/kasus/{case.code}")
    shown = staff_page.get_data(as_text=True)
    # Words only: the agency's and the place's codes are the system's, not the reader's.
    assert "Dinas Ketahanan Pangan" in shown and "(dpkp)" not in shown
    assert "Kota Administrasi Jakarta Pusat" in shown and "(31.71)" not in shown
    hidden = submit(
        admin,
        admin.get(P),
        f"{P}/instansi/{agency.id}",
        fill={"name": "Dinas Ketahanan Pangan"},
        tick={"active": False},
    )
    assert hidden.status_code == 303
    assert "Dinas Ketahanan Pangan" not in reporter.get("/laporan").get_data(as_text=True)
    api = reporter.post("/api/v1/reports", json={"category": "kkn", "what": "S", "agency": "dpkp"})
    assert api.status_code == 422
    assert [detail_of(e)["agency"] for e in events(db, "agency:changed")] == ["dpkp", "dpkp"]
