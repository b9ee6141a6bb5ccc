"""Forwarding behind four eyes: one supervisor asks, a second supervisor holding the case
approves or refuses on the case page; never oneself, never an investigator, never a
supervisor of another unit. The details stay sealed (not in the row, the audit log or the
logs), pending requests count on the approvers' home page and lapse after 7 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sipadu.app_context import current_settings
from sipadu.cases.models import Case
from sipadu.cases.service import unlock_case_for_staff
from sipadu.confidential.forward_request import (
    ForwardDetails,
    ForwardNotAllowedError,
    ForwardRequestClosedError,
    decidable_forward,
    pending_forward,
    request_forward,
)
from sipadu.confidential.models import ApprovalRequest, ApprovalState
from sipadu.confidential.pending import REQUEST_TTL, pending_count
from sipadu.confidential.rules import approver_actions
from sipadu.reporting.service import submit_report
from sipadu.units.service import unit_by_code
from tests.casework.conftest import (
    Team,
    assign_directly,
    decide_forward,
    detail_of,
    events,
    press,
    second_supervisor,
    set_status,
    web_client,
)
from tests.reporting.conftest import login
from tests.support import forms
from tests.support.csrf import csrf_token
from tests.support.factories import StaffMember, make_staff

W = "/petugas/kasus"
REFERENCE = "R-31/KPK/XII/2026"
ASK = {"destination": "kpk", "reference": REFERENCE, "reason": "Kewenangan KPK."}


def _ask(app: Flask, db: Session, team: Team) -> ApprovalRequest:
    """The team's supervisor asks through the case page's forwarding form."""
    set_status(db, team.created, "verifikasi")
    client = web_client(app, db, team.supervisor)
    assert press(client, team.created.case.code, "/teruskan", fill=ASK).status_code == 303
    request = pending_forward(db, team.created.case)
    assert request is not None
    return request


def _forge_decision(
    app: Flask, db: Session, member: StaffMember, code: str, request_id: int
) -> int:
    """A decision the page did not offer this person, posted by hand."""
    client = web_client(app, db, member)
    token = csrf_token(client, "/staff/password")
    data = {"csrf_token": token, "request": str(request_id), "decision.approve": ""}
    answer = client.post(f"{W}/{code}/teruskan/keputusan", data=data, follow_redirects=True)
    return answer.status_code


def _decisions(page: TestResponse) -> list[str]:
    """The decision buttons the case page's forwarding decision form shows."""
    return [
        b.name.removeprefix("decision.") for b in forms.find_form(page, "forward-decision").buttons
    ]


def _unchanged(db: Session, team: Team, request_id: int) -> None:
    db.expire_all()
    case = team.created.case
    assert (case.status, case.forwarded_to, case.forward_reference_sealed) == (
        "verifikasi",
        None,
        None,
    )
    request = db.get(ApprovalRequest, request_id)
    assert request is not None and request.state == ApprovalState.PENDING
    assert events(db, "case:status_changed", case.code) == []


def test_a_second_supervisor_decides_through_the_case_page(
    app: Flask, db: Session, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    code, case = team.created.case.code, team.created.case
    caplog.clear()
    first = _ask(app, db, team)
    # Sealed under the case key: not in the row, the audit log or the logs.
    assert first.details_sealed and REFERENCE.encode() not in first.details_sealed
    assert b"Kewenangan" not in first.details_sealed
    mine = web_client(app, db, team.supervisor).get(f"{W}/{code}").get_data(as_text=True)
    assert 'id="forward-decision"' not in mine and f'{W}/{code}/teruskan"' not in mine
    approver = second_supervisor(app, db, team.created)
    page = web_client(app, db, approver).get(f"{W}/{code}")
    text = page.get_data(as_text=True)
    assert REFERENCE in text and "Kewenangan KPK." in text  # the approver reads what they approve
    assert _decisions(page) == ["approve", "refuse"]
    refused = decide_forward(app, db, team.created, approver, "refuse")
    assert refused.status_code == 303
    db.refresh(first)
    assert first.state == ApprovalState.REFUSED and first.decided_by == approver.account.id
    _reporter = app.test_client()
    assert login(_reporter, team.created.case_key).status_code in (302, 303)
    assert "Diteruskan" not in _reporter.get("/kasus/saya").get_data(as_text=True)
    db.refresh(case)
    assert (case.status, case.forwarded_to) == ("verifikasi", None)
    # Asked again, approved: now it is forwarded, in the approver's name.
    second = _ask(app, db, team)
    assert decide_forward(app, db, team.created, approver).status_code == 303
    db.refresh(case)
    assert (case.status, case.forwarded_to) == ("diteruskan", "kpk")
    assert db.get(ApprovalRequest, second.id).state == ApprovalState.APPROVED  # type: ignore[union-attr]
    changed = events(db, "case:status_changed", code)
    assert [e.actor for e in changed] == [f"staff:{approver.account.id}"]
    tags = ("case:forward_requested", "case:forward_refused", "case:forward_approved")
    trail = [e for tag in tags for e in events(db, tag, code)]
    assert [detail_of(e)["request"] for e in trail] == [first.id, second.id, first.id, second.id]
    assert all(REFERENCE not in (e.detail or "") and "Kewenangan" not in e.detail for e in trail)
    assert REFERENCE not in caplog.text and "Kewenangan KPK." not in caplog.text


def test_the_requester_cannot_approve_their_own_request(
    app: Flask, db: Session, team: Team
) -> None:
    request = _ask(app, db, team)
    code = team.created.case.code
    assert _forge_decision(app, db, team.supervisor, code, request.id) == 403
    _unchanged(db, team, request.id)


def test_an_investigator_cannot_decide(app: Flask, db: Session, team: Team) -> None:
    request = _ask(app, db, team)
    assign_directly(db, team.created, team.investigator)
    code = team.created.case.code
    assert _forge_decision(app, db, team.investigator, code, request.id) == 403
    # Below the page too: the four-eyes table refuses an investigator holding the case.
    with pytest.raises(ForwardNotAllowedError):
        decidable_forward(db, request.id, team.investigator.account, team.created.case)
    # Nor may an investigator ask (forwarding is a supervisor's decision in the workflow).
    keyring = current_settings(app).keyring
    assert keyring is not None
    details = ForwardDetails("kpk", REFERENCE, "Kewenangan KPK.")
    with pytest.raises(ForwardNotAllowedError):
        request_forward(
            db,
            team.created.case,
            team.created.dek,
            team.investigator.account,
            details,
            audit_key=keyring.audit_hmac_key,
        )
    _unchanged(db, team, request.id)


def _unit_supervisor(app: Flask, db: Session, unit_code: str) -> StaffMember:
    member = make_staff(app, db, "supervisor")
    unit = unit_by_code(db, unit_code)
    assert unit is not None
    member.account.unit_id = unit.id
    return member


def test_another_units_supervisor_cannot_decide(app: Flask, db: Session) -> None:
    head = _unit_supervisor(app, db, "inspektur")
    jakpus = _unit_supervisor(app, db, "irban-jakpus")
    jaksel = _unit_supervisor(app, db, "irban-jaksel")
    db.commit()
    report: dict[str, object] = {
        "category": "pungli",
        "what": "Pungutan di loket.",
        "location": "31.71.01.1001",
    }
    case = submit_report(db, report, None, [], current_settings(app)).created.case
    case.status = "verifikasi"  # type: ignore[assignment]
    db.commit()
    dek = unlock_case_for_staff(db, case, head.account.id, head.private_key)
    keyring = current_settings(app).keyring
    assert keyring is not None
    details = ForwardDetails("kpk", REFERENCE, "Kewenangan KPK.")
    request = request_forward(
        db, case, dek, head.account, details, audit_key=keyring.audit_hmac_key
    )
    db.commit()
    assert _forge_decision(app, db, jaksel, case.code, request.id) == 403
    with pytest.raises(ForwardNotAllowedError):
        decidable_forward(db, request.id, jaksel.account, case)
    db.refresh(case)
    assert case.status == "verifikasi"
    # The case's own unit decides.
    client = web_client(app, db, jakpus)
    decided = press(client, case.code, "forward-decision", button="decision.approve")
    assert decided.status_code == 303
    db.refresh(case)
    assert (case.status, case.forwarded_to) == ("diteruskan", "kpk")


def test_one_request_at_a_time_and_bad_input_asks_nobody(
    app: Flask, db: Session, team: Team
) -> None:
    request = _ask(app, db, team)
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    token = csrf_token(client, f"{W}/{code}")
    again = client.post(
        f"{W}/{code}/teruskan", data={"csrf_token": token, **ASK}, follow_redirects=True
    )
    assert again.status_code == 409
    assert "verifikator kedua" in again.get_data(as_text=True)
    db.expire_all()
    rows = db.scalars(select(ApprovalRequest).where(ApprovalRequest.case_id == request.case_id))
    assert [r.id for r in rows] == [request.id]


def test_waiting_forwards_count_at_home_and_lapse_after_seven_days(
    app: Flask, db: Session, team: Team
) -> None:
    supervisor_actions = approver_actions("supervisor")
    assert pending_count(db, supervisor_actions) == 0
    request = _ask(app, db, team)
    assert pending_count(db, supervisor_actions) == 1
    approver = second_supervisor(app, db, team.created)
    client = web_client(app, db, approver)
    home = client.get("/staff/").get_data(as_text=True)
    assert 'id="pending-approvals"' in home and "/petugas/penerusan" in home
    listing = client.get("/petugas/penerusan").get_data(as_text=True)
    code = team.created.case.code
    assert f'id="forward-request-{request.id}"' in listing
    assert f"{W}/{code}#forward-request" in listing and REFERENCE not in listing
    own = web_client(app, db, team.supervisor).get("/petugas/penerusan").get_data(as_text=True)
    assert f"{W}/{code}#forward-request" not in own  # never one's own to decide
    # Nor is one's own request counted as waiting for oneself at home.
    own_home = web_client(app, db, team.supervisor).get("/staff/").get_data(as_text=True)
    assert 'id="pending-approvals"' not in own_home
    later = datetime.now(UTC) + REQUEST_TTL + timedelta(seconds=1)
    assert pending_count(db, supervisor_actions, later) == 0
    assert pending_forward(db, team.created.case, later) is None
    with pytest.raises(ForwardRequestClosedError):
        decidable_forward(db, request.id, approver.account, team.created.case, now=later)
    db.refresh(request)
    assert request.state == ApprovalState.EXPIRED


def test_details_copied_to_another_request_do_not_open(app: Flask, db: Session, team: Team) -> None:
    """A database writer who moves one request's sealed details onto another cannot get a
    forwarding approved with them: the page says so and offers only to refuse."""
    first = _ask(app, db, team)
    sealed = first.details_sealed
    first.state = ApprovalState.WITHDRAWN
    db.commit()
    second = _ask(app, db, team)
    second.details_sealed = sealed
    db.commit()
    approver = second_supervisor(app, db, team.created)
    page = web_client(app, db, approver).get(f"{W}/{team.created.case.code}")
    assert REFERENCE not in page.get_data(as_text=True)
    assert _decisions(page) == ["refuse"]
    forged = _forge_decision(app, db, approver, team.created.case.code, second.id)
    assert forged == 409
    db.expire_all()
    case = db.get(Case, team.created.case.id)
    assert case is not None and case.status == "verifikasi"


def test_an_approval_after_the_case_moved_on_is_refused_and_the_request_still_waits(
    app: Flask, db: Session, team: Team
) -> None:
    """The workflow is checked again at approval: a case closed meanwhile is not forwarded
    by an old request; the approver may still refuse it."""
    request = _ask(app, db, team)
    set_status(db, team.created, "tidak_dapat_ditindaklanjuti")
    approver = second_supervisor(app, db, team.created)
    late = decide_forward(app, db, team.created, approver, follow_redirects=True)
    assert late.status_code == 409
    db.expire_all()
    case = db.get(Case, team.created.case.id)
    assert case is not None and (case.status, case.forwarded_to) == (
        "tidak_dapat_ditindaklanjuti",
        None,
    )
    kept = db.get(ApprovalRequest, request.id)
    assert kept is not None and kept.state == ApprovalState.PENDING
    assert events(db, "case:forward_approved", case.code) == []
    assert decide_forward(app, db, team.created, approver, "refuse").status_code == 303
    db.expire_all()
    assert db.get(ApprovalRequest, request.id).state == ApprovalState.REFUSED  # type: ignore[union-attr]
