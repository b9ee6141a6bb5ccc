"""Units and routing: a new case is wrapped for its place's unit and the head unit only; a
supervisor of another unit cannot open it, with their own key; a holder shares or moves it;
the place stays sealed below the kota; the statistics count by unit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.cases.content import read_report
from sipadu.cases.models import Case, CaseGrant
from sipadu.cases.service import CaseAccessError, grant_for, today, unlock_case_for_staff
from sipadu.crypto import grants
from sipadu.crypto.errors import DecryptionError
from sipadu.reporting.service import submit_report
from sipadu.stats.records import case_records
from sipadu.units.models import Unit
from sipadu.units.service import unit_by_code
from tests.casework.conftest import Team, assign_directly, detail_of, events, web_client
from tests.support.factories import StaffMember, make_staff
from tests.support.forms import submit

W = "/petugas/kasus"
GAMBIR = "31.71.01.1001"  # a kelurahan in Kota Administrasi Jakarta Pusat (31.71)


@dataclass
class Units:
    """A supervisor of the head unit, of Jakarta Pusat's and of Jakarta Selatan's unit."""

    head: StaffMember
    jakpus: StaffMember
    jaksel: StaffMember


def _member(app: Flask, db: Session, unit_code: str | None) -> StaffMember:
    member = make_staff(app, db, "supervisor")
    unit = unit_by_code(db, unit_code)
    member.account.unit_id = unit.id if unit else None
    return member


@pytest.fixture
def units(app: Flask, db: Session) -> Units:
    made = Units(
        _member(app, db, "inspektur"),
        _member(app, db, "irban-jakpus"),
        _member(app, db, "irban-jaksel"),
    )
    db.commit()
    return made


def _file(app: Flask, db: Session, location: str | None) -> Case:
    report: dict[str, object] = {"category": "pungli", "what": "Pungutan di loket."}
    if location:
        report["location"] = location
    submission = submit_report(db, report, None, [], current_settings(app))
    db.commit()
    return submission.created.case


def _holders(db: Session, case: Case) -> set[int]:
    db.expire_all()
    return set(db.scalars(select(CaseGrant.staff_id).where(CaseGrant.case_id == case.id)))


def test_a_case_goes_to_its_kotas_unit_and_the_head_unit_only(
    app: Flask, db: Session, units: Units
) -> None:
    case = _file(app, db, GAMBIR)
    assert (case.unit, case.area_kota) == ("irban-jakpus", "31.71")
    assert _holders(db, case) == {units.head.account.id, units.jakpus.account.id}
    # The kelurahan is sealed in the report, never a column.
    dek = unlock_case_for_staff(db, case, units.jakpus.account.id, units.jakpus.private_key)
    assert read_report(case, dek)["location"] == GAMBIR
    assert GAMBIR not in repr([getattr(case, c.key) for c in Case.__table__.columns])


def test_another_units_supervisor_cannot_open_the_case_even_with_their_key(
    app: Flask, db: Session, units: Units
) -> None:
    case = _file(app, db, GAMBIR)
    outsider = units.jaksel
    with pytest.raises(CaseAccessError):
        unlock_case_for_staff(db, case, outsider.account.id, outsider.private_key)
    for wrapped in db.scalars(select(CaseGrant.wrapped_dek).where(CaseGrant.case_id == case.id)):
        with pytest.raises(DecryptionError):
            grants.unwrap_grant(wrapped, outsider.private_key, case_id=case.code)
    client = web_client(app, db, outsider)
    assert client.get(f"{W}/{case.code}").status_code == 403
    assert case.code not in client.get(W).get_data(as_text=True)
    # Nor can they share it with themselves: they hold nothing to re-wrap.
    assert client.post(f"{W}/{case.code}/unit", data={"unit": "irban-jaksel"}).status_code in {
        400,
        403,
    }
    assert grant_for(db, case, outsider.account.id) is None


def test_an_unrouted_or_unknown_place_goes_to_the_head_unit(
    app: Flask, db: Session, units: Units
) -> None:
    case = _file(app, db, None)
    assert (case.unit, case.area_kota) == ("inspektur", None)
    assert _holders(db, case) == {units.head.account.id}


def test_with_no_supervisor_in_the_route_or_head_every_supervisor_gets_it(
    app: Flask, db: Session
) -> None:
    only = _member(app, db, "irban-jaksel")
    db.commit()
    case = _file(app, db, GAMBIR)
    assert case.unit == "irban-jakpus"
    assert _holders(db, case) == {only.account.id}


def test_a_holder_shares_then_moves_the_case_and_the_old_unit_loses_it(
    app: Flask, db: Session, units: Units
) -> None:
    case = _file(app, db, GAMBIR)
    code = case.code
    jakpus = web_client(app, db, units.jakpus)
    shared = submit(
        jakpus, jakpus.get(f"{W}/{code}"), f"{W}/{code}/unit", fill={"unit": "irban-jaksel"}
    )
    assert shared.status_code == 303
    assert _holders(db, case) == {a.account.id for a in (units.head, units.jakpus, units.jaksel)}
    dek = unlock_case_for_staff(db, case, units.jaksel.account.id, units.jaksel.private_key)
    assert read_report(case, dek)["what"] == "Pungutan di loket."
    db.refresh(case)
    assert case.unit == "irban-jakpus"  # shared, not moved
    moved = submit(
        jakpus,
        jakpus.get(f"{W}/{code}"),
        f"{W}/{code}/unit",
        fill={"unit": "irban-jaksel"},
        tick=["move", "revoke"],
    )
    assert moved.status_code == 303 and moved.headers["Location"].endswith(W)
    db.refresh(case)
    assert case.unit == "irban-jaksel"
    assert _holders(db, case) == {units.head.account.id, units.jaksel.account.id}
    assert jakpus.get(f"{W}/{code}").status_code == 403
    with pytest.raises(CaseAccessError):
        unlock_case_for_staff(db, case, units.jakpus.account.id, units.jakpus.private_key)
    routed = [detail_of(e) for e in events(db, "case:routed", code)]
    assert routed[-1] == {
        "from": "irban-jakpus",
        "to": "irban-jaksel",
        "moved": True,
        "granted": 0,
        "revoked": 1,
    }


def test_the_head_unit_never_loses_a_case_and_bad_targets_are_refused(
    app: Flask, db: Session, units: Units
) -> None:
    case = _file(app, db, None)
    code = case.code
    head = web_client(app, db, units.head)
    moved = submit(
        head,
        head.get(f"{W}/{code}"),
        f"{W}/{code}/unit",
        fill={"unit": "irban-jakpus"},
        tick=["move", "revoke"],
    )
    assert moved.status_code == 303
    assert units.head.account.id in _holders(db, case)
    forged = head.get(f"{W}/{code}")
    assert forged.status_code == 200
    token = forged.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    for bad in ("no-such-unit", "irban-jaktim"):  # unknown; a unit with no supervisor
        refused = head.post(
            f"{W}/{code}/unit", data={"csrf_token": token, "unit": bad}, follow_redirects=True
        )
        assert refused.status_code == 422
    db.refresh(case)
    assert case.unit == "irban-jakpus"


def test_an_investigator_cannot_route_a_case(app: Flask, db: Session, units: Units) -> None:
    case = _file(app, db, GAMBIR)
    investigator = make_staff(app, db, "investigator")
    db.commit()
    client = web_client(app, db, investigator)
    assert client.post(f"{W}/{case.code}/unit", data={"unit": "irban-jaksel"}).status_code in {
        400,
        403,
    }
    assert grant_for(db, case, units.jaksel.account.id) is None


def test_statistics_count_cases_by_unit_name(app: Flask, db: Session, units: Units) -> None:
    _file(app, db, GAMBIR)
    _file(app, db, None)
    names = {record.unit for record in case_records(db, today())}
    head = db.scalar(select(Unit.name).where(Unit.code == "inspektur"))
    assert names == {"Inspektur Pembantu Wilayah Kota Administrasi Jakarta Pusat", head}


def test_the_report_form_offers_every_area_without_javascript_and_routes_by_it(
    app: Flask, db: Session, units: Units
) -> None:
    from tests.reporting.conftest import case_key_of

    client = app.test_client()
    page = client.get("/laporan")
    html = page.get_data(as_text=True)
    assert html.count("<optgroup") == 45  # the kota list, then each of the 44 kecamatan
    assert 'value="31.71.01.1001"' in html and "RT/RW" in html
    sent = submit(
        client,
        page,
        "/laporan",
        fill={"category": "pungli", "what": "Pungutan di loket.", "location": GAMBIR},
    )
    assert sent.status_code == 201
    case = db.scalar(select(Case).where(Case.code == case_key_of(sent)[:10]))
    assert case is not None and (case.unit, case.area_kota) == ("irban-jakpus", "31.71")


@pytest.mark.parametrize("forged", ["31.71.01.9999", "32.01", "RT 01/RW 02", "31"])
def test_a_place_the_list_does_not_offer_is_refused(
    app: Flask, db: Session, units: Units, forged: str
) -> None:
    from tests.reporting.conftest import forge_report

    answer = forge_report(
        app.test_client(), {"category": "pungli", "what": "Pungutan.", "location": forged}
    )
    assert answer.status_code == 422
    assert "Pilih tempat dari daftar" in answer.get_data(as_text=True)
    assert db.scalar(select(Case.id)) is None
    api = app.test_client().post(
        "/api/v1/reports", json={"category": "pungli", "what": "Pungutan.", "location": forged}
    )
    assert api.status_code in {400, 422} and api.get_json()["error"]
    assert db.scalar(select(Case.id)) is None


def test_the_api_accepts_a_place_and_routes_by_it(app: Flask, db: Session, units: Units) -> None:
    answer = app.test_client().post(
        "/api/v1/reports", json={"category": "pungli", "what": "Pungutan.", "location": "31.74"}
    )
    assert answer.status_code == 201
    case = db.scalar(select(Case).where(Case.code == answer.get_json()["case_code"]))
    assert case is not None and (case.unit, case.area_kota) == ("irban-jaksel", "31.74")
    assert _holders(db, case) == {units.head.account.id, units.jaksel.account.id}


def test_the_case_page_warns_a_supervisor_that_nobody_in_its_unit_can_read_it(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    warning = 'id="unit-unstaffed"'
    assert warning not in web_client(app, db, team.supervisor).get(f"/petugas/kasus/{code}").text
    team.created.case.unit = "irban-jaktim"  # a unit with no approved supervisor
    db.commit()
    page = web_client(app, db, team.supervisor).get(f"/petugas/kasus/{code}").text
    assert warning in page and "belum memiliki verifikator" in page
    assign_directly(db, team.created, team.investigator)
    db.commit()
    seen = web_client(app, db, team.investigator).get(f"/petugas/kasus/{code}")
    assert seen.status_code == 200 and warning not in seen.text
