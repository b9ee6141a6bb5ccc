"""What the reporter and the requester are told about an identity's fate: the withdrawal
notice says exactly what was removed, and the requester sees the last decision."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.confidential.models import ApprovalRequest
from tests.casework.conftest import web_client
from tests.confidential.test_pages import NAME, ask_and_approve, assigned_case, reporter_client
from tests.support.factories import make_staff
from tests.support.forms import submit


def test_withdrawing_the_only_version_says_it_was_removed(app: Flask, db: Session) -> None:
    make_staff(app, db, "supervisor")
    make_staff(app, db, "custodian")
    created, _investigator = assigned_case(app, db)
    reporter = reporter_client(app, created)
    answer = submit(reporter, reporter.get("/kasus/saya"), "/kasus/saya/identitas/tarik")
    assert answer.status_code == 303
    html = reporter.get("/kasus/saya").get_data(as_text=True)
    assert "Nama dan kontak Anda telah dihapus dari kasus." in html


def test_withdrawing_new_details_says_an_opened_earlier_version_stays(
    app: Flask, db: Session
) -> None:
    make_staff(app, db, "supervisor")
    custodian = make_staff(app, db, "custodian")
    created, investigator = assigned_case(app, db)
    page = f"/petugas/kasus/{created.case.code}"
    worker = web_client(app, db, investigator)
    ask_and_approve(app, db, created, custodian, worker)
    assert NAME in worker.get(page + "/identitas").get_data(as_text=True)  # opened
    reporter = reporter_client(app, created)
    sent = submit(
        reporter,
        reporter.get("/kasus/saya"),
        "/kasus/saya/identitas",
        fill={"identity_name": "Nama Baru", "identity_contact": "0813-1111-3333"},
    )
    assert sent.status_code == 303
    withdrawn = submit(reporter, reporter.get("/kasus/saya"), "/kasus/saya/identitas/tarik")
    assert withdrawn.status_code == 303
    html = reporter.get("/kasus/saya").get_data(as_text=True)
    assert "Identitas Anda telah dihapus dari kasus" not in html
    assert "Data yang terakhir Anda kirim telah dihapus dari kasus" in html
    assert "tetap dapat dibaca oleh orang yang diizinkan membacanya" in html
    assert NAME in worker.get(page + "/identitas").get_data(as_text=True)  # which is true


def _ask(worker: FlaskClient, page: str) -> None:
    asked = submit(worker, worker.get(page), page + "/identitas/minta", fill={"reason": "contact"})
    assert asked.status_code == 303


def test_the_requester_sees_a_refusal_and_may_ask_again(app: Flask, db: Session) -> None:
    make_staff(app, db, "supervisor")
    custodian = make_staff(app, db, "custodian")
    created, investigator = assigned_case(app, db)
    page = f"/petugas/kasus/{created.case.code}"
    worker = web_client(app, db, investigator)
    _ask(worker, page)
    keeper = web_client(app, db, custodian)
    pending = db.scalars(select(ApprovalRequest.id)).one()
    listing = keeper.get("/petugas/identitas")
    assert submit(keeper, listing, f"decide-{pending}", button="decision.refuse").status_code == 303
    html = worker.get(page).get_data(as_text=True)
    assert "Kustodian identitas menolak permintaan terakhir Anda" in html
    assert page + "/identitas/minta" in html
    _ask(worker, page)  # the offered form works
    assert "menolak permintaan terakhir" not in worker.get(page).get_data(as_text=True)


def test_the_requester_learns_the_reporter_withdrew_the_details(app: Flask, db: Session) -> None:
    make_staff(app, db, "supervisor")
    make_staff(app, db, "custodian")
    created, investigator = assigned_case(app, db)
    page = f"/petugas/kasus/{created.case.code}"
    worker = web_client(app, db, investigator)
    _ask(worker, page)
    reporter = reporter_client(app, created)
    assert (
        submit(reporter, reporter.get("/kasus/saya"), "/kasus/saya/identitas/tarik").status_code
        == 303
    )
    html = worker.get(page).get_data(as_text=True)
    assert "pelapor menarik atau mengganti data" in html
    assert page + "/identitas/minta" not in html  # nothing sealed to ask for any more
