"""Four eyes: a supervisor receives no case until ANOTHER supervisor approves them; the
approver shares the open cases they hold in one step; unreadable cases are counted."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sipadu.accounts.models import StaffAccount
from sipadu.audit.models import AuditEvent
from sipadu.cases.models import Case, CaseGrant
from sipadu.cases.service import unlock_case_for_staff
from sipadu.cases.statuses import Status
from sipadu.db import db_session
from sipadu.escrow.service import EscrowError, grant_all_open_with_escrow
from sipadu.notify.models import PendingNotification
from sipadu.staff import activation
from sipadu.staff.accounts import reset_account
from sipadu.units.models import Unit
from sipadu.web.i18n import LANG_COOKIE
from tests.staff.accountkit import (  # noqa: F401  (settings: fixture)
    ESCROW_PRIVATE,
    Owner,
    audit_key,
    complete_link,
    create_in_console,
    settings,
    signed_in,
)
from tests.support.csrf import csrf_token
from tests.support.factories import make_case
from tests.support.forms import all_forms, find_form, submit


def _new_supervisor(app: Flask, admin: FlaskClient, name: str = "baru") -> Owner:
    return complete_link(app, create_in_console(admin, name, "supervisor"))


def _grant(app: Flask, case_id: int, staff_id: int) -> CaseGrant | None:
    with app.app_context():
        return db_session().scalar(
            select(CaseGrant).where(CaseGrant.case_id == case_id, CaseGrant.staff_id == staff_id)
        )


def _approved(app: Flask, staff_id: int) -> bool:
    with app.app_context():
        account = db_session().get(StaffAccount, staff_id)
        return account is not None and account.activation_approved_at is not None


def _file(app: Flask, status: str | None = None) -> int:
    with app.app_context():
        db = db_session()
        case = make_case(app, db).case
        if status:
            case.status = Status(status)
            db.commit()
        return case.id


def _approve_in_page(app: Flask, approver: FlaskClient, target: Owner) -> None:
    action = f"/staff/activations/{target.account_id}/approve"
    assert submit(approver, approver.get("/staff/activations/"), action).status_code == 303
    assert _approved(app, target.account_id)


def _tags(app: Flask) -> list[tuple[str, str, object]]:
    with app.app_context():
        return [
            (e.tag, e.actor, json.loads(e.detail) if e.detail else None)
            for e in db_session().scalars(select(AuditEvent))
        ]


def test_unapproved_supervisor_gets_no_grant_and_cannot_approve_themselves(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    signed_in(app, "supervisor")
    new = _new_supervisor(app, admin)
    case_id = _file(app)
    assert _grant(app, case_id, new.account_id) is None
    page = new.client.get("/staff/activations/")
    assert "waits for another supervisor" in page.get_data(as_text=True)
    assert not [f for f in all_forms(page) if "/approve" in f.action]
    token = csrf_token(new.client, "/staff/activations/")
    own = new.client.post(
        f"/staff/activations/{new.account_id}/approve",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "Another supervisor must approve" in own.get_data(as_text=True)
    as_admin = admin.post(
        f"/staff/activations/{new.account_id}/approve",
        data={"csrf_token": csrf_token(admin, "/admin/")},
    )
    assert as_admin.status_code == 403
    assert not _approved(app, new.account_id)
    assert _grant(app, _file(app), new.account_id) is None
    with app.app_context(), pytest.raises(activation.SelfApprovalError):
        activation.approve_activation(
            db_session(), new.account_id, new.account_id, audit_key=audit_key(app)
        )


def test_an_unapproved_supervisor_cannot_approve_another(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    signed_in(app, "supervisor")
    first, second = _new_supervisor(app, admin, "satu"), _new_supervisor(app, admin, "dua")
    token = csrf_token(first.client, "/staff/activations/")
    first.client.post(f"/staff/activations/{second.account_id}/approve", data={"csrf_token": token})
    assert not _approved(app, second.account_id)


def test_approval_is_audited_notified_and_new_reports_reach_the_approved(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    approver, person = signed_in(app, "supervisor")
    new = _new_supervisor(app, admin)
    _approve_in_page(app, approver, new)
    assert (
        "staff:activation_approved",
        f"staff:{person.account_id}",
        {"target": new.account_id},
    ) in _tags(app)
    with app.app_context():
        queued = {(n.staff_id, n.kind) for n in db_session().scalars(select(PendingNotification))}
    assert {(person.account_id, "new_supervisor"), (new.account_id, "new_supervisor")} <= queued
    case_id = _file(app)
    key = new.private_key(app)
    with app.app_context():
        db = db_session()
        case = db.get(Case, case_id)
        assert case is not None
        assert len(unlock_case_for_staff(db, case, new.account_id, key)) == 32


def test_share_gives_the_old_open_cases_and_not_closed_or_archived_ones(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    approver, person = signed_in(app, "supervisor")
    open_id, closed_id, archived_id = _file(app), _file(app, "selesai"), _file(app, "diarsipkan")
    new = _new_supervisor(app, admin)
    assert (
        new.client.post(
            f"/staff/activations/{person.account_id}/share",
            data={"csrf_token": csrf_token(new.client, "/staff/activations/")},
        ).status_code
        == 303
    )
    assert _grant(app, open_id, person.account_id).granted_by is None  # type: ignore[union-attr]
    _approve_in_page(app, approver, new)
    page, action = approver.get("/staff/activations/"), f"/staff/activations/{new.account_id}/share"
    assert [b.text for b in find_form(page, action).buttons] == ["Share 1 open case with baru"]
    assert submit(approver, page, action).status_code == 303
    assert _grant(app, closed_id, new.account_id) is None
    assert _grant(app, archived_id, new.account_id) is None
    key = new.private_key(app)
    with app.app_context():
        db = db_session()
        case = db.get(Case, open_id)
        assert case is not None
        assert len(unlock_case_for_staff(db, case, new.account_id, key)) == 32
    assert (
        "grant:shared",
        f"staff:{person.account_id}",
        {"target": new.account_id, "cases": 1},
    ) in _tags(app)
    again = approver.get("/staff/activations/").get_data(as_text=True)
    assert "already holds every open case" in again


def test_unreadable_open_cases_are_counted_and_escrow_recovery_brings_the_count_down(
    app: Flask,
) -> None:
    admin, _ = signed_in(app, "admin")
    _, sole = signed_in(app, "supervisor")
    case_id = _file(app)
    _file(app, "selesai")
    with app.app_context():
        db = db_session()
        account = db.get(StaffAccount, sole.account_id)
        assert account is not None
        reset_account(db, account, audit_key=audit_key(app), actor="staff:1")
        db.commit()
    home = admin.get("/staff/").get_data(as_text=True)
    assert "1 open case cannot be read" in home
    assert "sipadu escrow grant --all-open" in home and "SPD-" not in home
    assert "Reports are refused" in home
    _, rescuer = signed_in(app, "supervisor")
    with app.app_context():
        db = db_session()
        granted, _skipped = grant_all_open_with_escrow(
            db, ESCROW_PRIVATE, username=rescuer.username, audit_key=audit_key(app)
        )
        db.commit()
    assert len(granted) == 1 and _grant(app, case_id, rescuer.account_id) is not None
    home = admin.get("/staff/").get_data(as_text=True)
    assert 'id="unreadable-cases"' not in home and 'id="not-ready"' not in home


def test_escrow_approves_only_the_first_supervisor(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    first = _new_supervisor(app, admin, "pertama")
    with app.app_context():
        db = db_session()
        with pytest.raises(EscrowError):
            grant_all_open_with_escrow(
                db, ESCROW_PRIVATE, username="pertama", audit_key=audit_key(app)
            )
        activation.approve_first_supervisor(db, "pertama", audit_key=audit_key(app))
        db.commit()
    assert (
        "staff:activation_approved",
        "cli",
        {"target": first.account_id, "by": "escrow"},
    ) in _tags(app)
    second = _new_supervisor(app, admin, "kedua")
    with app.app_context(), pytest.raises(activation.ApprovedSupervisorExistsError):
        activation.approve_first_supervisor(db_session(), "kedua", audit_key=audit_key(app))
    assert not _approved(app, second.account_id)
    _approve_in_page(app, first.client, second)


def test_share_gives_a_regional_supervisor_only_their_units_cases(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    approver, _ = signed_in(app, "supervisor")  # no unit: the head unit, holds every case
    theirs, other, unrouted = _file(app), _file(app), _file(app)
    new = _new_supervisor(app, admin)
    with app.app_context():
        db = db_session()
        for case_id, unit in ((theirs, "irban-jaksel"), (other, "irban-jakpus")):
            case = db.get(Case, case_id)
            assert case is not None
            case.unit = unit
        account = db.get(StaffAccount, new.account_id)
        assert account is not None
        account.unit_id = db.scalar(select(Unit.id).where(Unit.code == "irban-jaksel"))
        db.commit()
    _approve_in_page(app, approver, new)
    page, action = approver.get("/staff/activations/"), f"/staff/activations/{new.account_id}/share"
    assert [b.text for b in find_form(page, action).buttons] == ["Share 1 open case with baru"]
    assert submit(approver, page, action).status_code == 303
    assert _grant(app, theirs, new.account_id) is not None
    assert _grant(app, other, new.account_id) is None
    assert _grant(app, unrouted, new.account_id) is None


def _approval_notice(client: FlaskClient) -> str | None:
    home = BeautifulSoup(client.get("/staff/").get_data(as_text=True), "html.parser")
    notice = home.find(id="awaiting-approval")
    return None if notice is None else notice.get_text(" ", strip=True)


def test_the_home_page_says_the_account_waits_for_approval_until_it_is_approved(
    app: Flask,
) -> None:
    admin, _ = signed_in(app, "admin")
    first = _new_supervisor(app, admin, "pertama")
    # No approved supervisor yet: only the escrow key holder can approve, on the server.
    notice = _approval_notice(first.client)
    assert notice is not None and "until another supervisor approves it" in notice
    assert "sipadu escrow approve --to pertama" in notice
    approver, _ = signed_in(app, "supervisor")
    new = _new_supervisor(app, admin)
    notice = _approval_notice(new.client)
    assert notice is not None and "Activations page" in notice and "escrow" not in notice
    _approve_in_page(app, approver, new)
    assert _approval_notice(new.client) is None
    assert _approval_notice(approver) is None


def test_a_waiting_custodian_reads_that_no_identity_opens_before_approval(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    custodian = complete_link(app, create_in_console(admin, "penjaga", "custodian"))
    custodian.client.set_cookie(LANG_COOKIE, "id")
    notice = _approval_notice(custodian.client)
    assert notice is not None
    assert "sampai kustodian identitas lain menyetujuinya" in notice
