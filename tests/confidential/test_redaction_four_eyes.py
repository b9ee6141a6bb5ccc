"""Publishing a redaction, pair by pair: who may ask, who may approve (never oneself, only a
supervisor holding the case), expiry after 7 days, and the approvers' home count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.cases.kinds import GrantReason
from sipadu.cases.service import CreatedCase, grant_case, revoke_grant
from sipadu.confidential.models import (
    ApprovalAction,
    ApprovalState,
    CaseRedaction,
    RedactionState,
)
from sipadu.confidential.pending import REQUEST_TTL, pending_count
from sipadu.confidential.redaction_marks import RedactionNotAllowedError, save_draft
from sipadu.confidential.redaction_publish import (
    NoDraftError,
    PublicationClosedError,
    decide_publication,
    request_publication,
)
from tests.casework.conftest import web_client
from tests.support.factories import StaffMember, make_case, make_staff
from tests.support.redaction import ask_to_publish_suggestions

ROLES = ("supervisor", "investigator", "custodian", "admin", "auditor", "intake_officer")
PUBLISH = ApprovalAction.PUBLISH_REDACTION


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _case_held_by(app: Flask, db: Session, *roles: str) -> tuple[CreatedCase, list[StaffMember]]:
    """A case and one staff member per role holding it (supervisors made before the case
    receive it as a reporter's case reaches them; the others are granted it)."""
    make_staff(app, db, "supervisor")  # someone always holds every case
    members = [make_staff(app, db, role) for role in roles]
    created = make_case(app, db)
    for member in members:
        if member.account.role != "supervisor":
            grant_case(
                db,
                created.case,
                created.dek,
                member.account,
                reason=GrantReason.ASSIGNMENT,
                granted_by=None,
            )
    db.commit()
    return created, members


@pytest.mark.parametrize("requester_role", ROLES)
@pytest.mark.parametrize("approver_role", ROLES)
def test_every_requester_and_approver_pair(
    app: Flask, db: Session, requester_role: str, approver_role: str
) -> None:
    created, (requester, approver) = _case_held_by(app, db, requester_role, approver_role)
    may_ask = requester_role in ("supervisor", "investigator")
    if not may_ask:
        with pytest.raises(RedactionNotAllowedError):
            ask_to_publish_suggestions(db, created.case, created.dek, requester.account, _key(app))
        return
    request = ask_to_publish_suggestions(
        db, created.case, created.dek, requester.account, _key(app)
    )
    if approver_role != "supervisor":
        with pytest.raises(RedactionNotAllowedError):
            decide_publication(db, request.id, approver.account, approve=True, audit_key=_key(app))
        return
    decide_publication(db, request.id, approver.account, approve=True, audit_key=_key(app))
    assert db.scalars(select(CaseRedaction.state)).one() == RedactionState.PUBLISHED


@pytest.mark.parametrize("role", ["supervisor", "investigator"])
def test_nobody_publishes_their_own_redaction(app: Flask, db: Session, role: str) -> None:
    created, (_other, requester) = _case_held_by(app, db, "supervisor", role)
    request = ask_to_publish_suggestions(
        db, created.case, created.dek, requester.account, _key(app)
    )
    with pytest.raises(RedactionNotAllowedError):
        decide_publication(db, request.id, requester.account, approve=True, audit_key=_key(app))
    assert request.state == ApprovalState.PENDING


def test_a_supervisor_who_does_not_hold_the_case_cannot_publish(app: Flask, db: Session) -> None:
    created, (outsider, requester) = _case_held_by(app, db, "supervisor", "investigator")
    revoke_grant(db, created.case, outsider.account.id)
    request = ask_to_publish_suggestions(
        db, created.case, created.dek, requester.account, _key(app)
    )
    with pytest.raises(RedactionNotAllowedError):
        decide_publication(db, request.id, outsider.account, approve=True, audit_key=_key(app))


def test_only_the_last_marker_asks_and_a_case_mismatch_is_refused(app: Flask, db: Session) -> None:
    created, (supervisor, worker) = _case_held_by(app, db, "supervisor", "investigator")
    other = make_case(app, db)
    now = datetime.now(UTC)
    save_draft(db, created.case, created.dek, worker.account, {}, audit_key=_key(app), now=now)
    with pytest.raises(NoDraftError):  # the draft is the investigator's last save
        request_publication(db, created.case, supervisor.account, audit_key=_key(app), now=now)
    request = request_publication(db, created.case, worker.account, audit_key=_key(app), now=now)
    with pytest.raises(PublicationClosedError):
        decide_publication(
            db,
            request.id,
            supervisor.account,
            approve=True,
            audit_key=_key(app),
            case_id=other.case.id,
        )


def test_a_request_lapses_after_seven_days_and_leaves_the_home_count(
    app: Flask, db: Session
) -> None:
    created, (supervisor, worker) = _case_held_by(app, db, "supervisor", "investigator")
    request = ask_to_publish_suggestions(db, created.case, created.dek, worker.account, _key(app))
    db.commit()
    home = web_client(app, db, supervisor).get("/staff/").get_data(as_text=True)
    assert 'id="pending-approvals"' in home and "/petugas/redaksi" in home
    later = request.created_at + REQUEST_TTL + timedelta(seconds=1)
    assert pending_count(db, (PUBLISH,), now=later) == 0
    with pytest.raises(PublicationClosedError):
        decide_publication(
            db, request.id, supervisor.account, approve=True, audit_key=_key(app), now=later
        )
    assert request.state == ApprovalState.EXPIRED


def test_a_refusal_keeps_the_draft_and_publishes_nothing(app: Flask, db: Session) -> None:
    created, (supervisor, worker) = _case_held_by(app, db, "supervisor", "investigator")
    request = ask_to_publish_suggestions(db, created.case, created.dek, worker.account, _key(app))
    decide_publication(db, request.id, supervisor.account, approve=False, audit_key=_key(app))
    assert request.state == ApprovalState.REFUSED
    assert db.scalars(select(CaseRedaction.state)).one() == RedactionState.DRAFT
