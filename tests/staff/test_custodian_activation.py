"""Four eyes for identity custodians: one whose setup was completed (by anyone holding the
link, an admin too) holds no identity until another approved custodian, or for the first the
escrow holder, approves them; the approval shares the identities sealed before it."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sipadu.accounts.models import StaffAccount
from sipadu.audit.models import AuditEvent
from sipadu.cases.identity import (
    IdentityUnavailableError,
    identity_key_for,
    open_custodial_identity,
)
from sipadu.cases.models import Case, IdentityKeyGrant
from sipadu.confidential.identity import request_identity
from sipadu.confidential.models import RequestReason
from sipadu.crypto import grants
from sipadu.crypto import identity as identity_crypto
from sipadu.crypto.errors import DecryptionError
from sipadu.db import db_session
from sipadu.notify.models import PendingNotification
from sipadu.staff import activation, service
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
from tests.support.forms import all_forms, submit

IDENTITY = {"name": "Siti Pelapor", "contact": "0812-0000-1111"}
ESCROW_COMMAND = "sipadu escrow approve --to"


def _new_custodian(app: Flask, admin: FlaskClient, name: str = "penjaga") -> Owner:
    return complete_link(app, create_in_console(admin, name, "custodian"))


def _sealed_case(app: Flask) -> int:
    with app.app_context():
        return make_case(app, db_session(), identity=IDENTITY).case.id


def _reads(app: Flask, owner: Owner, case_id: int) -> bool:
    """The owner's own private key opens the case's identity through their grant."""
    key = owner.private_key(app)
    with app.app_context():
        db = db_session()
        case = db.get(Case, case_id)
        assert case is not None
        try:
            document = open_custodial_identity(
                case, identity_key_for(db, case, owner.account_id, key)
            )
        except IdentityUnavailableError:
            return False
        return document == IDENTITY


def _any_copy_opens(app: Flask, owner: Owner, case_id: int) -> bool:
    """Whether the owner's private key unwraps any stored copy of the identity key."""
    key = owner.private_key(app)
    with app.app_context():
        db = db_session()
        case = db.get(Case, case_id)
        assert case is not None
        copies = [g.wrapped_key for g in db.scalars(select(IdentityKeyGrant))]
        copies += [case.identity_escrow_grant] if case.identity_escrow_grant else []
        for blob in copies:
            try:
                grants.unwrap_grant(blob, key, case_id=identity_crypto.identity_context(case.code))
            except DecryptionError:
                continue
            return True
        return False


def _ask_for_identity(app: Flask, supervisor_id: int, case_id: int) -> str:
    """The supervisor holding the case asks to open its identity; returns the case code."""
    with app.app_context():
        db = db_session()
        case, asker = db.get(Case, case_id), db.get(StaffAccount, supervisor_id)
        assert case is not None and asker is not None
        request_identity(db, case, asker, RequestReason.PROTECTION, audit_key=audit_key(app))
        db.commit()
        return case.code


def _approved(app: Flask, staff_id: int) -> bool:
    with app.app_context():
        account = db_session().get(StaffAccount, staff_id)
        return account is not None and account.activation_approved_at is not None


def _tags(app: Flask) -> list[tuple[str, str, object]]:
    with app.app_context():
        return [
            (e.tag, e.actor, json.loads(e.detail) if e.detail else None)
            for e in db_session().scalars(select(AuditEvent))
        ]


def test_an_unapproved_custodian_holds_no_identity_and_nobody_wrong_can_approve(
    app: Flask,
) -> None:
    admin, admin_person = signed_in(app, "admin")
    signed_in(app, "custodian")  # an approved custodian exists
    _, supervisor = signed_in(app, "supervisor")
    before = _sealed_case(app)
    new = _new_custodian(app, admin)  # the admin could have completed this link
    after = _sealed_case(app)
    for case_id in (before, after):
        assert not _reads(app, new, case_id)
        assert not _any_copy_opens(app, new, case_id)
    code = _ask_for_identity(app, supervisor.account_id, before)
    requests = new.client.get("/petugas/identitas").get_data(as_text=True)
    assert 'id="not-approved"' in requests and code not in requests
    assert "/keputusan" not in requests
    with app.app_context():
        queued = {(n.staff_id, n.kind) for n in db_session().scalars(select(PendingNotification))}
    assert (new.account_id, "identity_request") not in queued
    page = new.client.get("/staff/activations/")
    assert "waits for another identity custodian" in page.get_data(as_text=True)
    assert not [f for f in all_forms(page) if "/approve" in f.action]
    own = new.client.post(
        f"/staff/activations/{new.account_id}/approve",
        data={"csrf_token": csrf_token(new.client, "/staff/activations/")},
        follow_redirects=True,
    )
    assert "Another identity custodian must approve" in own.get_data(as_text=True)
    as_admin = admin.post(
        f"/staff/activations/{new.account_id}/approve",
        data={"csrf_token": csrf_token(admin, "/admin/")},
    )
    assert as_admin.status_code == 403
    key = new.private_key(app)
    with app.app_context():
        db = db_session()
        with pytest.raises(activation.SelfApprovalError):
            activation.approve_activation(
                db, new.account_id, new.account_id, audit_key=audit_key(app), private_key=key
            )
        for wrong in (admin_person.account_id, supervisor.account_id):  # other roles
            with pytest.raises(activation.NotAnApproverError):
                activation.approve_activation(
                    db, wrong, new.account_id, audit_key=audit_key(app), private_key=key
                )
    assert not _approved(app, new.account_id)
    assert not _any_copy_opens(app, new, before)


def test_an_unapproved_custodian_cannot_approve_another(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    custodian, _ = signed_in(app, "custodian")
    first, second = _new_custodian(app, admin, "satu"), _new_custodian(app, admin, "dua")
    token = csrf_token(first.client, "/staff/activations/")
    first.client.post(f"/staff/activations/{second.account_id}/approve", data={"csrf_token": token})
    assert not _approved(app, second.account_id)
    # Nor does an approved custodian approve a supervisor (each role approves its own).
    waiting = complete_link(app, create_in_console(admin, "verifikator", "supervisor"))
    token = csrf_token(custodian, "/staff/activations/")
    refused = custodian.post(
        f"/staff/activations/{waiting.account_id}/approve",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "This activation cannot be approved" in refused.get_data(as_text=True)
    assert not _approved(app, waiting.account_id)


def test_approval_shares_the_earlier_identities_and_new_ones_reach_the_approved(
    app: Flask,
) -> None:
    admin, _ = signed_in(app, "admin")
    signed_in(app, "supervisor")  # a report needs a reader
    approver, person = signed_in(app, "custodian")
    before = _sealed_case(app)
    new = _new_custodian(app, admin)
    page, action = (
        approver.get("/staff/activations/"),
        f"/staff/activations/{new.account_id}/approve",
    )
    assert "Identity custodians waiting for approval" in page.get_data(as_text=True)
    assert "Share open cases" not in page.get_data(as_text=True)
    done = submit(approver, page, action, follow_redirects=True)
    assert "the identities you hold were shared" in done.get_data(as_text=True)
    assert _approved(app, new.account_id)
    assert _reads(app, new, before)
    assert _reads(app, new, _sealed_case(app))
    actor = f"staff:{person.account_id}"
    assert ("staff:activation_approved", actor, {"target": new.account_id}) in _tags(app)
    assert ("identity:shared", actor, {"target": new.account_id, "identities": 1}) in _tags(app)


def _account_id(app: Flask, name: str) -> int:
    with app.app_context():
        query = select(StaffAccount.id).where(StaffAccount.username == name)
        return db_session().scalars(query).one()


def test_escrow_approves_only_the_first_custodian_and_shares_the_escrow_copies(
    app: Flask,
) -> None:
    admin, _ = signed_in(app, "admin")
    signed_in(app, "supervisor")  # an approved supervisor does not close the custodians' path
    token = create_in_console(admin, "pertama", "custodian")
    page = admin.get(f"/admin/accounts/{_account_id(app, 'pertama')}/link")
    assert f"{ESCROW_COMMAND} pertama --key FILE" in page.get_data(as_text=True)
    before = _sealed_case(app)  # sealed for the escrow key only: nobody else holds it
    first = complete_link(app, token)
    activations = first.client.get("/staff/activations/").get_data(as_text=True)
    assert f"{ESCROW_COMMAND} pertama --key FILE" in activations
    with app.app_context():
        db = db_session()
        activation.approve_first_supervisor(
            db, "pertama", audit_key=audit_key(app), escrow_private=ESCROW_PRIVATE
        )
        db.commit()
    assert _reads(app, first, before)
    assert ("identity:shared", "cli", {"target": first.account_id, "identities": 1}) in _tags(app)
    second = _new_custodian(app, admin, "kedua")
    with app.app_context(), pytest.raises(activation.ApprovedSupervisorExistsError):
        activation.approve_first_supervisor(
            db_session(), "kedua", audit_key=audit_key(app), escrow_private=ESCROW_PRIVATE
        )
    assert not _approved(app, second.account_id)
    note = admin.get(f"/admin/accounts/{second.account_id}/link").get_data(as_text=True)
    assert "another identity custodian approves" in note and ESCROW_COMMAND not in note


def _approve_in_page(approver: FlaskClient, target: Owner) -> None:
    action = f"/staff/activations/{target.account_id}/approve"
    assert submit(approver, approver.get("/staff/activations/"), action).status_code == 303


def test_a_reactivated_custodian_holds_nothing_until_approved_again(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    signed_in(app, "supervisor")
    approver, _ = signed_in(app, "custodian")
    new = _new_custodian(app, admin)
    _approve_in_page(approver, new)
    case_id = _sealed_case(app)
    assert _reads(app, new, case_id)
    with app.app_context():
        db = db_session()
        account = db.get(StaffAccount, new.account_id)
        assert account is not None
        service.deactivate(db, account, audit_key=audit_key(app), actor="staff:1")
        service.reactivate(db, account, audit_key=audit_key(app), actor="staff:1")
        db.commit()
    assert not _approved(app, new.account_id)
    assert not _any_copy_opens(app, new, case_id)
    assert not _any_copy_opens(app, new, _sealed_case(app))
    _approve_in_page(approver, new)
    assert _reads(app, new, case_id)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("supervisor", True),
        ("custodian", True),
        ("admin", False),
        ("investigator", False),
        ("auditor", False),
        ("intake_officer", False),
    ],
)
def test_the_activations_page_and_its_approval_by_role(
    app: Flask, role: str, allowed: bool
) -> None:
    client, _ = signed_in(app, role)
    assert client.get("/staff/activations/").status_code == (200 if allowed else 403)
    token = csrf_token(client, "/staff/")
    posted = client.post("/staff/activations/1/approve", data={"csrf_token": token})
    assert posted.status_code == (303 if allowed else 403)  # allowed: refused by the service
    assert app.test_client().get("/staff/activations/").status_code in (302, 303, 401)
