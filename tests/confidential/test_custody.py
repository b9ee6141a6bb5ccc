"""A sealed identity opens for custodians (and escrow) only: a supervisor, an investigator
and an admin holding the case, with their own private keys, cannot open it by any path."""

from __future__ import annotations

import itertools

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.identity import (
    custodians,
    identity_key_for,
    open_custodial_identity,
    seal_custodial_identity,
)
from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import Case, CaseGrant, IdentityKeyGrant
from sipadu.cases.service import grant_case, unlock_case_for_staff
from sipadu.crypto import envelope, grants
from sipadu.crypto import identity as identity_crypto
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.grants import generate_keypair
from tests.support.factories import StaffMember, make_case, make_staff

IDENTITY = {"name": "Siti Pelapor", "contact": "0812-0000-1111"}
MARKER = IDENTITY["name"].encode()
B = envelope.Binding(b"", "reporter")


def _every_key_candidate(db: Session, case: Case, private_key: bytes) -> list[bytes]:
    """Every 32-byte key this private key can get from any grant stored for the case, under
    either context (case code or the identity context), plus the DEK grants' keys."""
    wrapped = [g.wrapped_dek for g in db.scalars(select(CaseGrant))]
    wrapped += [g.wrapped_key for g in db.scalars(select(IdentityKeyGrant))]
    wrapped += [w for w in (case.escrow_grant, case.identity_escrow_grant) if w]
    found = []
    contexts = (case.code, identity_crypto.identity_context(case.code))
    for blob, context in itertools.product(wrapped, contexts):
        try:
            found.append(grants.unwrap_grant(blob, private_key, case_id=context))
        except DecryptionError:
            continue
    return found


def _opens_identity(case: Case, key: bytes) -> bool:
    """The key opens the sealed identity as a custodial envelope or as a DEK envelope."""
    sealed = case.identity_sealed or b""
    assert sealed
    for context, kind, binding in (
        (identity_crypto.identity_context(case.code), identity_crypto.KIND_CUSTODIAL_IDENTITY, B),
        (case.code, envelope.KIND_IDENTITY, None),
        (case.code, envelope.KIND_IDENTITY, B),
        (case.code, identity_crypto.KIND_CUSTODIAL_IDENTITY, B),
    ):
        try:
            plain = envelope.open_sealed(key, sealed, case_id=context, kind=kind, binding=binding)
        except DecryptionError:
            continue
        return MARKER in plain
    return False


def _setting(app: Flask, db: Session) -> tuple[Case, dict[str, StaffMember]]:
    people = {role: make_staff(app, db, role) for role in ("supervisor", "investigator", "admin")}
    people["custodian"] = make_staff(app, db, "custodian")
    created = make_case(app, db, identity=IDENTITY)
    grant_case(
        db,
        created.case,
        created.dek,
        people["investigator"].account,
        reason=GrantReason.ASSIGNMENT,
        granted_by=None,
    )
    db.commit()
    return created.case, people


def test_case_holders_cannot_open_the_identity_with_their_keys(app: Flask, db: Session) -> None:
    case, people = _setting(app, db)
    assert MARKER not in (case.identity_sealed or b"")
    # They do hold the case: their grants open the DEK ...
    for role in ("supervisor", "investigator"):
        member = people[role]
        dek = unlock_case_for_staff(db, case, member.account.id, member.private_key)
        assert not _opens_identity(case, dek)
    # ... and nothing any of their keys opens reads the identity.
    for role in ("supervisor", "investigator", "admin"):
        keys = _every_key_candidate(db, case, people[role].private_key)
        assert not any(_opens_identity(case, key) for key in keys), role


def test_the_custodian_key_opens_it_as_a_positive_control(app: Flask, db: Session) -> None:
    case, people = _setting(app, db)
    custodian = people["custodian"]
    keys = _every_key_candidate(db, case, custodian.private_key)
    assert any(_opens_identity(case, key) for key in keys)
    key = identity_key_for(db, case, custodian.account.id, custodian.private_key)
    assert open_custodial_identity(case, key) == IDENTITY


def test_the_escrow_key_opens_it_too(app: Flask, db: Session) -> None:
    make_staff(app, db, "supervisor")
    created = make_case(app, db)
    escrow_private, escrow_public = generate_keypair()
    seal_custodial_identity(db, created.case, IDENTITY, escrow_public=escrow_public)
    assert created.case.identity_escrow_grant is not None
    key = identity_crypto.unwrap_identity_key(
        created.case.identity_escrow_grant, escrow_private, created.case.code
    )
    assert open_custodial_identity(created.case, key) == IDENTITY


def test_an_identity_grant_moved_to_another_case_or_into_case_grants_opens_nothing(
    app: Flask, db: Session
) -> None:
    case, people = _setting(app, db)
    custodian = people["custodian"]
    grant = db.scalars(
        select(IdentityKeyGrant).where(IdentityKeyGrant.staff_id == custodian.account.id)
    ).one()
    other = make_case(app, db, identity={"name": "Orang lain", "contact": "-"})
    try:
        grants.unwrap_grant(grant.wrapped_key, custodian.private_key, case_id=case.code)
    except DecryptionError:
        pass
    else:
        raise AssertionError("an identity grant opened as a case-DEK grant")
    try:
        identity_crypto.unwrap_identity_key(
            grant.wrapped_key, custodian.private_key, other.case.code
        )
    except DecryptionError:
        pass
    else:
        raise AssertionError("an identity grant opened for another case")


def test_custodians_are_active_custodians_with_keys(app: Flask, db: Session) -> None:
    active = make_staff(app, db, "custodian")
    make_staff(app, db, "custodian", active=False)
    make_staff(app, db, "supervisor")
    assert [account.id for account in custodians(db)] == [active.account.id]


def test_a_legacy_identity_leaves_the_dek_when_the_reporter_returns(
    app: Flask, db: Session
) -> None:
    from sipadu.app_context import current_settings
    from sipadu.cases.sealing import report_binding, seal_record
    from sipadu.reporting.reporter_access import open_case_with_key

    make_staff(app, db, "supervisor")
    custodian = make_staff(app, db, "custodian")
    created = make_case(app, db)
    case = created.case
    # As the code before custodians stored it: under the case DEK.
    case.identity_sealed = seal_record(
        created.dek, case, envelope.KIND_IDENTITY, b'{"name":"Siti Pelapor"}', report_binding()
    )
    db.commit()
    assert _opens_identity(case, created.dek)
    settings = current_settings(app)
    assert settings.keyring is not None
    opened = open_case_with_key(
        db,
        created.case_key,
        params=settings.argon2,
        audit_key=settings.keyring.audit_hmac_key,
        client=None,
        escrow_public=settings.keyring.escrow_public,
    )
    db.commit()
    assert opened.case.identity_custodial
    assert not _opens_identity(opened.case, created.dek)
    key = identity_key_for(db, opened.case, custodian.account.id, custodian.private_key)
    assert open_custodial_identity(opened.case, key) == {"name": "Siti Pelapor"}
