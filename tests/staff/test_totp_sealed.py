"""TOTP secrets are sealed at rest: a database dump holds none, a sealed secret altered or
moved to another account refuses the sign-in like a wrong code, and an account enrolled
before sealing still signs in and comes out sealed."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import MetaData, select, text
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_audit_key
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.totp_box import open_totp_secret, seal_totp_secret
from sipadu.db import db_session, make_engine
from tests.conftest import build_app, make_settings
from tests.support import forms
from tests.support.cli import cli_env, init_instance, run_sipadu
from tests.support.instance import Database
from tests.support.staff import Enrolled, enrol_staff, enrolled, sign_in

REFUSED = "Nama pengguna, kata sandi, atau kode tidak benar."  # the usual refusal


@pytest.fixture
def web_app(tmp_path: Path, database: Database) -> Iterator[Flask]:
    application = build_app(make_settings(tmp_path, database, rate_limits_enabled=False))
    yield application
    application.extensions["sipadu.engine"].dispose()


def _row(app: Flask, person: Enrolled) -> StaffAccount:
    account = db_session().get(StaffAccount, person.account_id)
    assert account is not None
    return account


def _dump(db: Session) -> str:
    """Every value of every table, as text (bytes also as hex and base64)."""
    meta = MetaData()
    meta.reflect(db.connection())
    values: list[str] = []
    for table in meta.sorted_tables:
        for row in db.execute(select(table)):
            for value in row:
                if isinstance(value, bytes | memoryview):
                    raw = bytes(value)
                    values += [raw.decode("latin-1"), raw.hex(), base64.b64encode(raw).decode()]
                else:
                    values.append(str(value))
    return "\n".join(values)


def test_a_database_dump_holds_no_totp_secret(web_app: Flask) -> None:
    with web_app.app_context():
        db = db_session()
        people = [enrolled(web_app, db, role) for role in ("admin", "supervisor")]
        dump = _dump(db)
    for person in people:
        assert len(person.secret) == 32
        assert person.secret not in dump
        assert base64.b32decode(person.secret).hex() not in dump


def test_an_altered_sealed_secret_refuses_the_sign_in(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
        account = _row(web_app, person)
        sealed = bytearray(account.totp_sealed or b"")
        sealed[-1] ^= 1
        account.totp_sealed = bytes(sealed)
        db_session().commit()
    refused = sign_in(web_app.test_client(), person)
    assert refused.status_code == 401 and REFUSED in refused.get_data(as_text=True)


def test_a_sealed_secret_moved_to_another_account_refuses_the_sign_in(web_app: Flask) -> None:
    """An insider who copies their own sealed secret onto a colleague's row does not get to
    pass the colleague's second factor with their own authenticator app."""
    with web_app.app_context():
        db = db_session()
        insider, victim = enrolled(web_app, db), enrolled(web_app, db)
        _row(web_app, victim).totp_sealed = _row(web_app, insider).totp_sealed
        db.commit()
    forged = Enrolled(victim.account_id, victim.username, victim.password, insider.secret)
    refused = sign_in(web_app.test_client(), forged)
    assert refused.status_code == 401 and REFUSED in refused.get_data(as_text=True)
    assert sign_in(web_app.test_client(), insider).status_code == 303


def test_a_legacy_plaintext_secret_signs_in_and_comes_out_sealed(web_app: Flask) -> None:
    with web_app.app_context():
        person = enrolled(web_app, db_session())
        account = _row(web_app, person)
        account.totp_secret, account.totp_sealed = person.secret, None
        db_session().commit()
    assert sign_in(web_app.test_client(), person).status_code == 303
    with web_app.app_context():
        account = _row(web_app, person)
        assert account.totp_secret is None and account.totp_sealed is not None
        key = current_audit_key()
        assert open_totp_secret(key, person.account_id, account.totp_sealed) == person.secret


def test_a_sealed_secret_opens_only_for_its_account_and_key() -> None:
    key, other_key = bytes(range(32)), bytes(range(1, 33))
    sealed = seal_totp_secret(key, 7, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert open_totp_secret(key, 7, sealed) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    for account_id, server_key in ((8, key), (7, other_key)):
        with pytest.raises(DecryptionError):
            open_totp_secret(server_key, account_id, sealed)


def test_init_and_db_upgrade_seal_every_legacy_secret(
    tmp_path: Path, sqlite_database: Database
) -> None:
    env = cli_env(tmp_path, sqlite_database)
    init_instance(env)
    people = enrol_staff(env, ["admin", "investigator"])
    engine = make_engine(sqlite_database.url)
    try:
        for command in (["init"], ["db", "upgrade"]):
            with engine.begin() as connection:
                for person in people:
                    connection.execute(
                        text(
                            "UPDATE staff_accounts SET totp_secret = :s, totp_sealed = NULL"
                            " WHERE id = :id"
                        ),
                        {"s": person.secret, "id": person.account_id},
                    )
            result = run_sipadu(env, *command)
            assert result.returncode == 0, result.stderr
            assert "Sealed 2 staff TOTP secret(s)" in result.stdout
            assert all(person.secret not in result.stdout for person in people)
            with engine.connect() as connection:
                query = text("SELECT totp_secret, totp_sealed FROM staff_accounts")
                rows = connection.execute(query)
                assert [(plain, sealed is not None) for plain, sealed in rows] == [(None, True)] * 2
    finally:
        engine.dispose()


def test_enrolment_replaces_a_sealed_secret_that_does_not_open(web_app: Flask) -> None:
    """Not yet confirmed, no authenticator app holds the secret: the page shows a new one
    (no error page), and a code of the new one confirms the enrolment."""
    with web_app.app_context():
        person = enrolled(web_app, db_session(), confirmed=False)
        _row(web_app, person).totp_sealed = b"\x01" + b"\x00" * 60
        db_session().commit()
    client = web_app.test_client()
    assert sign_in(client, person).headers["Location"] == "/staff/enrol"
    page = client.get("/staff/enrol")
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.get_data(as_text=True))
    assert page.status_code == 200 and shown
    renewed = Enrolled(person.account_id, person.username, person.password, "")
    renewed.secret = shown.group(1).replace(" ", "")
    assert renewed.secret != person.secret
    confirmed = forms.submit(
        client,
        page,
        "/staff/enrol",
        fill={"password": person.password, "totp": renewed.code()},
    )
    assert confirmed.status_code == 303 and client.get("/staff/").status_code == 200
