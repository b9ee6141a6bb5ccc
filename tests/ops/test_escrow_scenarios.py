"""Escrow recovery scenarios (docs/operations.md, "Recovering access")."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu import create_app
from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_settings
from sipadu.cases.content import read_report
from sipadu.cases.kinds import GrantReason
from sipadu.cases.service import (
    CaseAccessError,
    case_by_code,
    create_case,
    submission_recipients,
    unlock_case_for_staff,
)
from sipadu.cases.statuses import Status
from sipadu.crypto import grants
from sipadu.crypto.escrow import generate_escrow_keypair
from sipadu.crypto.staff import create_staff_keys, unlock_private_key
from sipadu.db import db_session
from sipadu.escrow.service import EscrowError, grant_all_open_with_escrow, grant_with_escrow
from sipadu.reporting.reporter_access import open_case_with_key
from sipadu.settings import settings_from_env
from tests.conftest import TEST_ARGON2
from tests.ops.conftest import Escrow
from tests.support.cli import SIPADU, cli_env, run_sipadu
from tests.support.escrow_file import write_cheap_escrow_private
from tests.support.factories import StaffMember, make_case, make_staff
from tests.support.instance import Database


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _reads(db: Session, code: str, member: StaffMember) -> str:
    case = case_by_code(db, code)
    assert case is not None
    return str(
        read_report(case, unlock_case_for_staff(db, case, member.account.id, member.private_key))[
            "what"
        ]
    )


def _admin_reset(app: Flask, db: Session, account: StaffAccount, password: str) -> bytes:
    """What an admin reset does to the keys: a new pair; grants for the old one stop opening."""
    material = create_staff_keys(password, current_settings(app).argon2, account_id=account.id)
    account.public_key, account.wrapped_private_key = (
        material.public_key,
        material.wrapped_private_key,
    )
    account.password_hash, account.keys_reset_at = material.password_hash, datetime.now(UTC)
    db.flush()
    return unlock_private_key(material.wrapped_private_key, password, account_id=account.id)


def test_investigator_left(ops_app: Flask, ops_db: Session, escrow: Escrow) -> None:
    make_staff(ops_app, ops_db, "supervisor")
    leaver = make_staff(ops_app, ops_db, "investigator", username="pemeriksa-lama")
    code = make_case(ops_app, ops_db, {"category": "kkn", "what": "kasus-berjalan"}).case.code
    leaver.account.active = False
    successor = make_staff(ops_app, ops_db, "investigator", username="pemeriksa-pengganti")
    with pytest.raises(EscrowError, match="no active staff account"):
        grant_with_escrow(
            ops_db,
            escrow.private,
            code=code,
            username="pemeriksa-lama",
            audit_key=_key(ops_app),
        )
    grant_with_escrow(
        ops_db, escrow.private, code=code, username="pemeriksa-pengganti", audit_key=_key(ops_app)
    )
    ops_db.commit()
    assert _reads(ops_db, code, successor) == "kasus-berjalan"


def test_all_supervisors_lost_their_passwords(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
) -> None:
    old = [make_staff(ops_app, ops_db, "supervisor") for _ in range(2)]
    codes = [
        make_case(ops_app, ops_db, {"category": "kkn", "what": f"terbuka-{i}"}).case.code
        for i in range(3)
    ]
    closed = case_by_code(ops_db, codes[2])
    assert closed is not None
    closed.status = Status.SELESAI
    ops_db.commit()
    for member in old:  # admin resets: new key pairs, the old grants no longer open
        member.private_key = _admin_reset(ops_app, ops_db, member.account, "sandi-baru-Panjang1")
        with pytest.raises(CaseAccessError, match="older key pair"):
            _reads(ops_db, codes[0], member)
    newcomer = make_staff(ops_app, ops_db, "supervisor", username="verifikator-baru")
    granted, skipped = grant_all_open_with_escrow(
        ops_db, escrow.private, username="verifikator-baru", audit_key=_key(ops_app)
    )
    ops_db.commit()
    assert granted == sorted(codes[:2]) and skipped == []  # code order, not filing order
    assert [_reads(ops_db, code, newcomer) for code in codes[:2]] == ["terbuka-0", "terbuka-1"]
    with pytest.raises(CaseAccessError):
        _reads(ops_db, codes[2], newcomer)  # closed: granted only on request, case by case
    for member in old:  # the new supervisor re-grants through their own session
        from sipadu.cases.service import grant_case

        case = case_by_code(ops_db, codes[0])
        assert case is not None
        dek = unlock_case_for_staff(ops_db, case, newcomer.account.id, newcomer.private_key)
        grant_case(
            ops_db,
            case,
            dek,
            member.account,
            reason=GrantReason.SUPERVISOR,
            granted_by=newcomer.account.id,
        )
        assert _reads(ops_db, codes[0], member) == "terbuka-0"


def test_escrow_key_file_lost(ops_app: Flask, ops_db: Session, escrow: Escrow) -> None:
    sole = make_staff(ops_app, ops_db, "supervisor")
    created = make_case(ops_app, ops_db, {"category": "kkn", "what": "kasus-lama"})
    code = created.case.code
    sole.private_key = _admin_reset(ops_app, ops_db, sole.account, "sandi-baru-Panjang1")
    ops_db.commit()
    lost_private = escrow.private
    del lost_private  # the offline file is gone: nothing on the server replaces it
    new_private, new_public = generate_escrow_keypair()
    helper = make_staff(ops_app, ops_db, "supervisor", username="verifikator-lain")
    ops_db.commit()
    with pytest.raises(EscrowError, match="does not open"):
        grant_with_escrow(
            ops_db, new_private, code=code, username="verifikator-lain", audit_key=_key(ops_app)
        )
    with pytest.raises(CaseAccessError):
        _reads(ops_db, code, sole)
    # The reporter's own key still opens the case.
    opened = open_case_with_key(
        ops_db, created.case_key, params=TEST_ARGON2, audit_key=_key(ops_app), client=None
    )
    assert read_report(opened.case, opened.dek)["what"] == "kasus-lama"
    # A new escrow key covers only cases filed after it.
    ops_db.commit()
    fresh = create_case(
        ops_db,
        {"category": "kkn", "what": "kasus-baru"},
        identity=None,
        recipients=submission_recipients(ops_db),
        escrow_public=new_public,
        params=TEST_ARGON2,
        audit_key=_key(ops_app),
    )
    ops_db.commit()
    assert fresh.case.escrow_grant is not None
    assert (
        grants.unwrap_grant(fresh.case.escrow_grant, new_private, case_id=fresh.case.code)
        == fresh.dek
    )
    grant_with_escrow(
        ops_db,
        new_private,
        code=fresh.case.code,
        username="verifikator-lain",
        audit_key=_key(ops_app),
    )
    assert _reads(ops_db, fresh.case.code, helper) == "kasus-baru"


@pytest.mark.slow
def test_cli_grants_every_open_case(tmp_path: Path, sqlite_database: Database) -> None:
    env = cli_env(tmp_path, sqlite_database, seed_escrow=False)
    private, public = generate_escrow_keypair()
    (tmp_path / "keys").mkdir(mode=0o700)
    from sipadu.crypto.escrow import write_escrow_public

    write_escrow_public(tmp_path / "keys" / "escrow.pub", public)
    offline = tmp_path / "escrow.key"
    write_cheap_escrow_private(offline, private, "frasa-sandi-pemulihan-uji")
    assert run_sipadu(env, "init").returncode == 0
    app = create_app(replace(settings_from_env(env).with_keyring(), argon2=TEST_ARGON2))
    with app.app_context():
        db = db_session()
        make_staff(app, db, "supervisor", username="verifikator-lama")
        codes = [make_case(app, db).case.code for _ in range(2)]
        newcomer = make_staff(app, db, "supervisor", username="verifikator-baru")
        db.commit()
    usage = run_sipadu(env, "escrow", "grant", "--to", "verifikator-baru", "--key", str(offline))
    assert usage.returncode != 0 and "exactly one of --case CODE or --all-open" in usage.stderr
    result = subprocess.run(
        [
            SIPADU,
            "escrow",
            "grant",
            "--all-open",
            "--to",
            "verifikator-baru",
            "--key",
            str(offline),
            "--passphrase-stdin",
        ],
        input="frasa-sandi-pemulihan-uji\n",
        env=env,
        text=True,
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "can now open 2 open case(s)" in result.stdout
    with app.app_context():
        db = db_session()
        assert all(_reads(db, code, newcomer).startswith("Kepala seksi") for code in codes)
    app.extensions["sipadu.engine"].dispose()
