"""The escrow key: created by `sipadu init`, used offline to recover a case for new staff."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sipadu import create_app
from sipadu.cases.content import read_report
from sipadu.cases.service import unlock_case_for_staff
from sipadu.crypto.escrow import read_escrow_private
from sipadu.db import db_session
from sipadu.escrow.cli import OFFLINE_FILE_NAME
from sipadu.settings import settings_from_env
from tests.support.cli import SIPADU, cli_env, run_sipadu, run_sipadu_in_terminal
from tests.support.factories import make_case, make_staff
from tests.support.instance import Database

MARKER = "LAPORAN-UNTUK-PEMULIHAN"


def _init(tmp_path: Path, database: Database) -> tuple[dict[str, str], str, Path]:
    env = cli_env(tmp_path, database, seed_escrow=False)
    code, output = run_sipadu_in_terminal(env, "init")
    assert code == 0, output
    match = re.search(r"# Passphrase: (\S+) +#", output)
    assert match, output
    return env, match.group(1), tmp_path / "instance" / OFFLINE_FILE_NAME


def test_init_creates_escrow_once(tmp_path: Path, sqlite_database: Database) -> None:
    env, passphrase, private_path = _init(tmp_path, sqlite_database)
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    assert len(read_escrow_private(private_path, passphrase)) == 32
    public = (tmp_path / "keys" / "escrow.pub").read_text()
    code, again = run_sipadu_in_terminal(env, "init")
    assert code == 0 and "Passphrase" not in again
    assert (tmp_path / "keys" / "escrow.pub").read_text() == public
    served = run_sipadu(env, "escrow", "init", "--passphrase-stdin")
    assert served.returncode != 0 and "already exists" in served.stderr


@pytest.mark.slow
def test_escrow_grant_recovers_a_case(tmp_path: Path, database: Database) -> None:
    env, passphrase, private_path = _init(tmp_path, database)
    app = create_app(settings_from_env(env))
    with app.app_context():
        db: Session = db_session()
        make_staff(app, db, "supervisor", username="kepala-lama")
        case = make_case(app, db, {"category": "kkn", "what": MARKER}).case
        newcomer = make_staff(app, db, "investigator", username="pemeriksa-baru")
        db.commit()
        code = case.code

    wrong = subprocess.run(
        [
            SIPADU,
            "escrow",
            "grant",
            "--case",
            code,
            "--to",
            "pemeriksa-baru",
            "--key",
            str(private_path),
            "--passphrase-stdin",
        ],
        input="bukan-frasa-sandi-yang-benar\n",
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert wrong.returncode != 0 and "does not unlock this escrow key file" in wrong.stderr
    assert "WrongPassphraseError" not in wrong.stderr
    assert "Traceback" not in wrong.stderr

    result = subprocess.run(
        [
            SIPADU,
            "escrow",
            "grant",
            "--case",
            code.lower(),
            "--to",
            "pemeriksa-baru",
            "--key",
            str(private_path),
            "--passphrase-stdin",
        ],
        input=passphrase + "\n",
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with app.app_context():
        db = db_session()
        from sipadu.cases.service import case_by_code

        found = case_by_code(db, code)
        assert found is not None
        dek = unlock_case_for_staff(db, found, newcomer.account.id, newcomer.private_key)
        assert read_report(found, dek)["what"] == MARKER
    verify = run_sipadu(env, "audit", "verify")
    assert verify.returncode == 0, verify.stderr


def test_grant_refuses_unknown_case_and_user(tmp_path: Path, sqlite_database: Database) -> None:
    env, passphrase, private_path = _init(tmp_path, sqlite_database)
    result = subprocess.run(
        [
            SIPADU,
            "escrow",
            "grant",
            "--case",
            "SPD-000000",
            "--to",
            "x",
            "--key",
            str(private_path),
            "--passphrase-stdin",
        ],
        input=passphrase + "\n",
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "no case with code SPD-000000" in result.stderr
