"""Losing the case ends a permission to read the reporter's identity: after an unassignment,
a conflict, a unit move, a deactivation or an account reset, reading again needs a new
request and a new custodian decision."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import IdentityKeyGrant
from sipadu.cases.service import CreatedCase, grant_case
from sipadu.confidential import identity as custody
from sipadu.confidential.models import ApprovalRequest, ApprovalState
from sipadu.crypto.staff import create_staff_keys, unlock_private_key
from sipadu.staff.accounts import reset_account
from tests.casework.conftest import web_client
from tests.support.factories import StaffMember, make_case, make_staff
from tests.support.forms import submit

NAME = "Rahmat Saksi"
W = "/petugas/kasus"


def _scene(app: Flask, db: Session) -> tuple[CreatedCase, StaffMember, StaffMember, StaffMember]:
    boss = make_staff(app, db, "supervisor")
    custodian = make_staff(app, db, "custodian")
    investigator = make_staff(app, db, "investigator")
    created = make_case(app, db, identity={"name": NAME, "contact": "0813-7777-2222"})
    db.commit()
    return created, boss, custodian, investigator


def _assign(app: Flask, db: Session, boss: StaffMember, code: str, who: StaffMember) -> None:
    client = web_client(app, db, boss)
    answer = submit(
        client,
        client.get(f"{W}/{code}"),
        f"{W}/{code}/penugasan",
        fill={"username": who.account.username},
    )
    assert answer.status_code == 303


def _ask_approve_read(
    app: Flask, db: Session, code: str, custodian: StaffMember, worker: FlaskClient
) -> None:
    page = f"{W}/{code}"
    asked = submit(worker, worker.get(page), page + "/identitas/minta", fill={"reason": "witness"})
    assert asked.status_code == 303
    keeper = web_client(app, db, custodian)
    pending = db.scalars(
        select(ApprovalRequest.id).where(ApprovalRequest.state == ApprovalState.PENDING)
    ).one()
    listing = keeper.get("/petugas/identitas")
    assert (
        submit(keeper, listing, f"decide-{pending}", button="decision.approve").status_code == 303
    )
    assert NAME in worker.get(page + "/identitas").get_data(as_text=True)


def _offers_a_new_request(worker: FlaskClient, code: str) -> None:
    html = worker.get(f"{W}/{code}").get_data(as_text=True)
    assert f"{W}/{code}/identitas/minta" in html
    assert f'href="{W}/{code}/identitas"' not in html
    assert worker.get(f"{W}/{code}/identitas").status_code == 403


def test_an_unassigned_investigator_assigned_again_must_ask_again(app: Flask, db: Session) -> None:
    created, boss, custodian, investigator = _scene(app, db)
    code = created.case.code
    _assign(app, db, boss, code, investigator)
    worker = web_client(app, db, investigator)
    _ask_approve_read(app, db, code, custodian, worker)

    client = web_client(app, db, boss)
    name = investigator.account.username
    confirm = client.get(f"{W}/{code}/penugasan/{name}/hapus")
    assert submit(client, confirm, f"{W}/{code}/penugasan/{name}/hapus").status_code == 303
    _assign(app, db, boss, code, investigator)

    _offers_a_new_request(worker, code)
    db.expire_all()
    assert db.scalar(select(ApprovalRequest.state)) == ApprovalState.EXPIRED


def _rekey(app: Flask, db: Session, member: StaffMember) -> StaffMember:
    """What completing the new setup link gives the reset account: a new key pair."""
    password = member.password + "-baru"
    material = create_staff_keys(
        password, current_settings(app).argon2, account_id=member.account.id
    )
    account = member.account
    account.password_hash = material.password_hash
    account.public_key, account.wrapped_private_key = (
        material.public_key,
        material.wrapped_private_key,
    )
    db.commit()
    private = unlock_private_key(material.wrapped_private_key, password, account_id=account.id)
    return StaffMember(account, password, private)


def test_a_reset_account_loses_its_approval_and_may_ask_again(app: Flask, db: Session) -> None:
    created, boss, custodian, investigator = _scene(app, db)
    code = created.case.code
    _assign(app, db, boss, code, investigator)
    _ask_approve_read(app, db, code, custodian, web_client(app, db, investigator))

    key = current_settings(app).keyring.audit_hmac_key  # type: ignore[union-attr]
    reset_account(db, investigator.account, audit_key=key, actor="staff:1")
    db.commit()
    renewed = _rekey(app, db, investigator)
    _assign(app, db, boss, code, renewed)

    worker = web_client(app, db, renewed)
    html = worker.get(f"{W}/{code}").get_data(as_text=True)
    assert "menyetujui permintaan Anda sampai" not in html
    _offers_a_new_request(worker, code)
    _ask_approve_read(app, db, code, custodian, worker)  # and a new decision opens it again


def test_a_conflict_ends_the_permission(app: Flask, db: Session) -> None:
    created, _boss, custodian, investigator = _scene(app, db)
    code = created.case.code
    grant_case(
        db,
        created.case,
        created.dek,
        investigator.account,
        reason=GrantReason.ASSIGNMENT,
        granted_by=None,
    )
    db.commit()
    worker = web_client(app, db, investigator)
    _ask_approve_read(app, db, code, custodian, worker)
    confirm = worker.get(f"{W}/{code}/konflik")
    assert submit(worker, confirm, f"{W}/{code}/konflik").status_code == 303
    db.expire_all()
    held = select(IdentityKeyGrant).where(IdentityKeyGrant.staff_id == investigator.account.id)
    assert db.scalar(held) is None  # the key they were given is gone at once
    custody.expire_requests(db)  # and the approval ends at the flow's next step
    assert db.scalar(select(ApprovalRequest.state)) == ApprovalState.EXPIRED
