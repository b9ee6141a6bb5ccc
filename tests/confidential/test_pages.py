"""The identity request flow through the pages, every form posted as its page sends it, and
the access matrix of the custodian's pages for every role."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import Case
from sipadu.cases.service import CreatedCase, grant_case
from sipadu.confidential.models import ApprovalRequest, ApprovalState, RequestReason
from tests.casework.conftest import staff_token, web_client
from tests.support.factories import StaffMember, make_case, make_staff
from tests.support.forms import submit

NAME, CONTACT = "Rahmat Saksi", "0813-7777-2222"
ROLES = ("admin", "supervisor", "investigator", "auditor", "custodian", "anonymous")


def assigned_case(app: Flask, db: Session) -> tuple[CreatedCase, StaffMember]:
    investigator = make_staff(app, db, "investigator")
    created = make_case(app, db, identity={"name": NAME, "contact": CONTACT})
    grant_case(
        db,
        created.case,
        created.dek,
        investigator.account,
        reason=GrantReason.ASSIGNMENT,
        granted_by=None,
    )
    db.commit()
    return created, investigator


def reporter_client(app: Flask, created: CreatedCase) -> FlaskClient:
    client = app.test_client()
    answer = submit(client, client.get("/kasus"), "/kasus", fill={"case_key": created.case_key})
    assert answer.status_code == 303
    return client


def _decide_form(db: Session) -> str:
    return f"decide-{db.scalars(select(ApprovalRequest.id)).one()}"


def test_request_approve_read_and_the_reporter_sees_it(app: Flask, db: Session) -> None:
    make_staff(app, db, "supervisor")
    custodian = make_staff(app, db, "custodian")
    created, investigator = assigned_case(app, db)
    code = created.case.code
    worker = web_client(app, db, investigator)
    page = f"/petugas/kasus/{code}"
    assert NAME not in worker.get(page).get_data(as_text=True)
    assert worker.get(page + "/identitas").status_code == 403  # nothing approved yet
    asked = submit(worker, worker.get(page), page + "/identitas/minta", fill={"reason": "witness"})
    assert asked.status_code == 303

    keeper = web_client(app, db, custodian)
    assert "1" in keeper.get("/staff/").get_data(as_text=True)  # the home count
    listing = keeper.get("/petugas/identitas")
    html = listing.get_data(as_text=True)
    assert code in html and investigator.account.username in html and NAME not in html
    decided = submit(keeper, listing, _decide_form(db), button="decision.approve")
    assert decided.status_code == 303

    shown = worker.get(page + "/identitas")
    assert shown.status_code == 200
    assert NAME in shown.get_data(as_text=True) and CONTACT in shown.get_data(as_text=True)
    staff_page = worker.get(page).get_data(as_text=True)
    assert "Identitas pelapor dibuka" in staff_page and NAME not in staff_page
    reporter_page = reporter_client(app, created).get("/kasus/saya").get_data(as_text=True)
    assert "pemeriksa" in reporter_page  # the role, in the reporter's words
    assert investigator.account.username not in reporter_page
    assert "identity-state" in reporter_page and "followup.withdraw" not in reporter_page


def test_the_custodian_refuses_and_nothing_opens(app: Flask, db: Session) -> None:
    make_staff(app, db, "supervisor")
    custodian = make_staff(app, db, "custodian")
    created, investigator = assigned_case(app, db)
    page = f"/petugas/kasus/{created.case.code}"
    worker = web_client(app, db, investigator)
    submit(worker, worker.get(page), page + "/identitas/minta", fill={"reason": "contact"})
    keeper = web_client(app, db, custodian)
    listing = keeper.get("/petugas/identitas")
    refused = submit(keeper, listing, _decide_form(db), button="decision.refuse")
    assert refused.status_code == 303
    assert worker.get(page + "/identitas").status_code == 403
    state = db.scalar(select(ApprovalRequest.state))
    assert state == ApprovalState.REFUSED


def test_a_forged_reason_or_decision_is_refused_clearly(app: Flask, db: Session) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    make_staff(app, db, "supervisor")
    custodian = make_staff(app, db, "custodian")
    created, investigator = assigned_case(app, db)
    page = f"/petugas/kasus/{created.case.code}"
    worker = web_client(app, db, investigator)
    bad = worker.post(page + "/identitas/minta", data={"reason": "x" * 5000}, follow_redirects=True)
    assert bad.status_code == 422 and "Traceback" not in bad.get_data(as_text=True)
    assert db.scalar(select(ApprovalRequest.id)) is None
    keeper = web_client(app, db, custodian)
    unknown = keeper.post("/petugas/identitas/999/keputusan", data={"decision.approve": ""})
    assert unknown.status_code == 404
    assert "Permintaan ini tidak ditemukan." in unknown.get_data(as_text=True)
    supervisor = web_client(app, db, make_staff(app, db, "supervisor"))
    no_export = supervisor.post("/petugas/ekspor/999/keputusan", data={"decision.approve": ""})
    assert no_export.status_code == 404
    assert "Permintaan ini tidak ditemukan." in no_export.get_data(as_text=True)
    assert (
        keeper.post("/petugas/identitas/1/keputusan", data={"decision.maybe": ""}).status_code
        == 303
    )


def test_the_reporter_withdraws_before_anyone_opened_it(app: Flask, db: Session) -> None:
    make_staff(app, db, "supervisor")
    make_staff(app, db, "custodian")
    created, _investigator = assigned_case(app, db)
    reporter = reporter_client(app, created)
    page = reporter.get("/kasus/saya")
    assert "identity-state" in page.get_data(as_text=True)
    answer = submit(reporter, page, "/kasus/saya/identitas/tarik")
    assert answer.status_code == 303
    case = db.scalars(select(Case)).one()
    db.refresh(case)
    assert case.identity_sealed is None


def test_the_reporter_cannot_withdraw_after_it_was_opened(app: Flask, db: Session) -> None:
    from sipadu.app_context import current_settings
    from sipadu.confidential import identity as custody

    make_staff(app, db, "supervisor")
    custodian = make_staff(app, db, "custodian")
    created, investigator = assigned_case(app, db)
    reporter = reporter_client(app, created)
    withdraw_page = reporter.get("/kasus/saya")  # rendered while it could still be withdrawn
    key = current_settings(app).keyring.audit_hmac_key  # type: ignore[union-attr]
    request = custody.request_identity(
        db, created.case, investigator.account, RequestReason.PROTECTION, audit_key=key
    )
    custody.decide(
        db, request.id, custodian.account, custodian.private_key, approve=True, audit_key=key
    )
    custody.read_identity(
        db, created.case, investigator.account, investigator.private_key, created.dek, audit_key=key
    )
    db.commit()
    answer = submit(reporter, withdraw_page, "/kasus/saya/identitas/tarik")
    assert answer.status_code == 303
    html = reporter.get("/kasus/saya").get_data(as_text=True)
    assert "sudah dibuka" in html
    db.expire_all()
    assert db.scalars(select(Case)).one().identity_sealed is not None


def _call(app: Flask, db: Session, member: StaffMember | None, method: str, path: str) -> int:
    client = app.test_client()
    if member is not None:
        client.set_cookie("sipadu_staff", staff_token(db, member))
    kwargs: dict[str, Any] = {"data": {"decision": "refuse"}} if method == "POST" else {}
    return client.open(path, method=method, **kwargs).status_code


@pytest.mark.parametrize(
    ("method", "path", "ok", "approver"),
    [
        ("GET", "/petugas/identitas", 200, "custodian"),
        ("POST", "/petugas/identitas/{id}/keputusan", 303, "custodian"),
        ("GET", "/petugas/ekspor", 200, "supervisor"),
        ("POST", "/petugas/ekspor/{id}/keputusan", 303, "supervisor"),
        ("GET", "/petugas/redaksi", 200, "supervisor"),
        ("GET", "/petugas/penerusan", 200, "supervisor"),
    ],
)
def test_access_matrix_of_the_approvers_pages(
    app: Flask, db: Session, method: str, path: str, ok: int, approver: str
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    make_staff(app, db, "supervisor")
    created, investigator = assigned_case(app, db)
    members = {role: None if role == "anonymous" else make_staff(app, db, role) for role in ROLES}
    db.commit()
    key = current_audit_key_for(app)
    from sipadu.confidential import export as exports
    from sipadu.confidential import identity as custody

    got = {}
    for role, member in members.items():
        ask = exports.request_export if "ekspor" in path else custody.request_identity
        request = ask(db, created.case, investigator.account, RequestReason.LEGAL, audit_key=key)
        db.commit()
        got[role] = _call(app, db, member, method, path.format(id=request.id))
        db.delete(db.get(ApprovalRequest, request.id))
        db.commit()
    want = {role: 403 for role in ROLES} | {approver: ok, "anonymous": got["anonymous"]}
    assert got == want
    assert got["anonymous"] in (401, 303)


def current_audit_key_for(app: Flask) -> bytes:
    from sipadu.app_context import current_settings

    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def test_every_confidential_endpoint_is_in_the_matrix(app: Flask) -> None:
    mine = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("confidential.")
    }
    assert mine == {
        "confidential.requests",
        "confidential.decide",
        "confidential.approvals",
        "confidential.decide_export",
        "confidential.publications",
        "confidential.forwards",
    }


def ask_and_approve(
    app: Flask, db: Session, created: CreatedCase, custodian: StaffMember, worker: FlaskClient
) -> None:
    page = f"/petugas/kasus/{created.case.code}"
    asked = submit(worker, worker.get(page), page + "/identitas/minta", fill={"reason": "witness"})
    assert asked.status_code == 303
    keeper = web_client(app, db, custodian)
    listing = keeper.get("/petugas/identitas")
    pending = db.scalars(
        select(ApprovalRequest.id).where(ApprovalRequest.state == ApprovalState.PENDING)
    ).one()
    decided = submit(keeper, listing, f"decide-{pending}", button="decision.approve")
    assert decided.status_code == 303


def test_new_details_keep_the_opened_version_and_need_a_new_request(
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
    before = reporter.get("/kasus/saya")
    assert "identity-version-note" in before.get_data(as_text=True)  # said before sending
    new_name = "Rahmat Baru"
    sent = submit(
        reporter,
        before,
        "/kasus/saya/identitas",
        fill={"identity_name": new_name, "identity_contact": "0813-1111-3333"},
    )
    assert sent.status_code == 303
    html = reporter.get("/kasus/saya").get_data(as_text=True)
    assert "followup.withdraw" not in html and "/kasus/saya/identitas/tarik" in html
    assert "belum dibuka siapa pun, sehingga masih dapat Anda tarik" in html  # per version

    # The opened version stays readable by its reader; the new one is not theirs yet.
    earlier = worker.get(page + "/identitas")
    assert earlier.status_code == 200
    assert NAME in earlier.get_data(as_text=True) and new_name not in earlier.get_data(as_text=True)
    assert "identity-earlier" in earlier.get_data(as_text=True)
    # Asking again for the new version is allowed, and its approval shows the new details.
    ask_and_approve(app, db, created, custodian, worker)
    latest = worker.get(page + "/identitas").get_data(as_text=True)
    assert new_name in latest and "identity-earlier" not in latest
    assert "sudah dibuka" in reporter.get("/kasus/saya").get_data(as_text=True)
