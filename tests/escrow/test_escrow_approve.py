"""`sipadu escrow approve`: the escrow holder activates the first supervisor, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_settings
from sipadu.cases.identity import identity_key_for, open_custodial_identity
from sipadu.cases.models import Case
from sipadu.crypto.escrow import generate_escrow_keypair
from sipadu.crypto.staff import unlock_private_key
from sipadu.db import db_session
from sipadu.keyring import make_test_keyring
from sipadu.settings import Settings
from sipadu.staff.accounts import complete_setup, create_pending_account
from sipadu.staff.activation import readers_exist
from tests.conftest import make_settings
from tests.staff.accountkit import audit_key
from tests.support.escrow_file import write_cheap_escrow_private
from tests.support.factories import make_case, make_staff
from tests.support.instance import Database
from tests.support.staff import enrolled

PRIVATE, PUBLIC = generate_escrow_keypair()
PASSPHRASE = "batu-karang-laut-dalam-senja"


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return make_settings(tmp_path, database, keyring=make_test_keyring(escrow_public=PUBLIC))


@pytest.fixture(scope="module")
def escrow_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """This instance's sealed escrow key and another instance's, sealed cheaply: approving
    opens the file, and what approving does is the subject here, not the file's strength."""
    folder = tmp_path_factory.mktemp("escrow")
    ours, foreign = folder / "ours.key", folder / "foreign.key"
    write_cheap_escrow_private(ours, PRIVATE, PASSPHRASE)
    write_cheap_escrow_private(foreign, generate_escrow_keypair()[0], PASSPHRASE)
    return ours, foreign


def _waiting_supervisor(app: Flask, name: str, role: str = "supervisor") -> None:
    with app.app_context():
        db = db_session()
        link = create_pending_account(db, name, role, actor="cli", audit_key=audit_key(app))
        db.commit()
        account = complete_setup(
            db,
            link.token,
            "sawah-hijau-pagi-7",
            params=current_settings(app).argon2,
            audit_key=audit_key(app),
        )
        account.totp_confirmed = True
        db.commit()


def _approve(app: Flask, name: str, key: Path, passphrase: str = PASSPHRASE):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(
        args=["escrow", "approve", "--to", name, "--key", str(key), "--passphrase-stdin"],
        input=passphrase + "\n",
    )


def test_escrow_approves_the_first_supervisor_only_with_this_instances_key(
    app: Flask, escrow_files: tuple[Path, Path]
) -> None:
    ours, foreign = escrow_files
    _waiting_supervisor(app, "pertama")
    assert _approve(app, "pertama", foreign).exit_code != 0
    assert _approve(app, "pertama", ours, "salah-sandi").exit_code != 0
    with app.app_context():
        assert not readers_exist(db_session())
    done = _approve(app, "pertama", ours)
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert readers_exist(db_session())
    _waiting_supervisor(app, "kedua")
    refused = _approve(app, "kedua", ours)
    assert refused.exit_code != 0 and "Activations page" in refused.output
    with app.app_context():
        db = db_session()
        second = db.query(StaffAccount).filter_by(username="kedua").one()
        assert second.activation_approved_at is None


def test_escrow_does_not_approve_an_admin_or_an_unfinished_account(
    app: Flask, escrow_files: tuple[Path, Path]
) -> None:
    with app.app_context():
        admin = enrolled(app, db_session(), "admin")
    assert _approve(app, admin.username, escrow_files[0]).exit_code != 0


def test_approve_says_a_wrong_passphrase_plainly_and_names_unreadable_cases_only_if_any(
    app: Flask, escrow_files: tuple[Path, Path]
) -> None:
    ours, _ = escrow_files
    _waiting_supervisor(app, "pertama")
    wrong = _approve(app, "pertama", ours, "salah-sandi")
    assert wrong.exit_code != 0
    assert (
        "passphrase does not unlock" in wrong.output
        and "WrongPassphraseError" not in wrong.output
        and "Traceback" not in wrong.output
    )
    done = _approve(app, "pertama", ours)
    assert done.exit_code == 0 and "is approved" in done.output
    assert "nobody can read" not in done.output and "escrow grant" not in done.output


def test_approve_names_the_open_cases_nobody_can_read(
    app: Flask, escrow_files: tuple[Path, Path]
) -> None:
    ours, _ = escrow_files
    with app.app_context():  # the only reader leaves: only the escrow key opens the case
        db = db_session()
        gone = make_staff(app, db)
        make_case(app, db)
        gone.account.active = False
        db.commit()
    _waiting_supervisor(app, "pertama")
    done = _approve(app, "pertama", ours)
    assert done.exit_code == 0
    assert (
        "1 open case(s) nobody can read: sipadu escrow grant --all-open --to pertama" in done.output
    )


def test_escrow_approves_the_first_custodian_and_hands_over_the_sealed_identities(
    app: Flask, escrow_files: tuple[Path, Path]
) -> None:
    ours, _ = escrow_files
    identity = {"name": "Siti Pelapor"}
    with app.app_context():
        db = db_session()
        make_staff(app, db)  # an approved supervisor does not close the custodians' path
        case_id = make_case(app, db, identity=identity).case.id
    _waiting_supervisor(app, "penjaga", "custodian")
    done = _approve(app, "penjaga", ours)
    assert done.exit_code == 0 and "holds the sealed identities" in done.output, done.output
    with app.app_context():
        db = db_session()
        account = db.query(StaffAccount).filter_by(username="penjaga").one()
        case = db.get(Case, case_id)
        assert case is not None and account.activation_approved_at is not None
        private = unlock_private_key(
            account.wrapped_private_key, "sawah-hijau-pagi-7", account_id=account.id
        )
        key = identity_key_for(db, case, account.id, private)
        assert open_custodial_identity(case, key) == identity
    _waiting_supervisor(app, "penjaga2", "custodian")
    refused = _approve(app, "penjaga2", ours)
    assert refused.exit_code != 0 and "Activations page" in refused.output
