"""The account service on both databases: login, TOTP, throttle, password change, reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypedDict

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.cases.service import submission_recipients, unlock_case_for_staff
from sipadu.crypto.errors import WrongPasswordError
from sipadu.crypto.params import Argon2Params
from sipadu.crypto.staff import unlock_private_key
from sipadu.sessions.models import AuthSession
from sipadu.sessions.service import start_session
from sipadu.staff import login, service
from sipadu.staff.passwords import WeakPasswordError
from tests.support.factories import make_case
from tests.support.staff import Enrolled, enrolled


class _Keys(TypedDict):
    params: Argon2Params
    audit_key: bytes


def _kw(app: Flask) -> _Keys:
    settings = current_settings(app)
    assert settings.keyring is not None
    return {"params": settings.argon2, "audit_key": settings.keyring.audit_hmac_key}


def _login(
    app: Flask, db: Session, person: Enrolled, code: str | None = None, password: str | None = None
) -> service.LoginResult:
    return login.authenticate(
        db, person.username, password or person.password, code or person.code(), **_kw(app)
    )


def _tags(db: Session) -> list[tuple[str, str, str]]:
    return [
        (e.tag, e.actor, e.outcome) for e in db.scalars(select(AuditEvent).order_by(AuditEvent.seq))
    ]


def test_login_succeeds_and_unlocks_the_private_key(app: Flask, db: Session) -> None:
    person = enrolled(app, db)
    result = _login(app, db, person)
    account = db.get(StaffAccount, person.account_id)
    assert account is not None
    assert result.private_key == unlock_private_key(
        account.wrapped_private_key, person.password, account_id=account.id
    )
    assert ("staff:login", f"staff:{person.account_id}", "success") in _tags(db)


def test_wrong_password_wrong_code_and_unknown_user_fail_alike(app: Flask, db: Session) -> None:
    person = enrolled(app, db)
    failures = []
    for username, password, code in (
        (person.username, "salah-sekali-pw", person.code()),
        (person.username, person.password, "000000"),
        ("tidak-ada", person.password, person.code()),
    ):
        with pytest.raises(service.LoginFailedError) as caught:
            login.authenticate(db, username, password, code, **_kw(app))
        failures.append(str(caught.value))
    assert len(set(failures)) == 1
    events = _tags(db)
    assert ("staff:login_failed", "system", "failure") in events
    details = " ".join(e.detail for e in db.scalars(select(AuditEvent)))
    assert "tidak-ada" not in details and person.password not in details


def test_totp_replay_is_refused_and_window_is_one_step(app: Flask, db: Session) -> None:
    person = enrolled(app, db)
    code = person.code()
    _login(app, db, person, code)
    with pytest.raises(service.LoginFailedError):
        _login(app, db, person, code)
    account = db.get(StaffAccount, person.account_id)
    assert account is not None and account.totp_last_step is not None
    with pytest.raises(service.LoginFailedError):
        _login(app, db, person, person.code(steps_ahead=3))
    _login(app, db, person, person.code(steps_ahead=1))  # next step: accepted


def test_failures_throttle_the_account_then_success_resets(app: Flask, db: Session) -> None:
    person = enrolled(app, db)
    for _ in range(4):
        with pytest.raises(service.LoginFailedError):
            _login(app, db, person, password="salah-sekali-pw")
    with pytest.raises(service.LoginThrottledError) as caught:
        _login(app, db, person)
    assert caught.value.retry_after >= 1
    account = db.get(StaffAccount, person.account_id)
    assert account is not None
    account.last_failed_login_at = datetime.now(UTC) - timedelta(minutes=20)
    _login(app, db, person)
    assert account.failed_logins == 0


def test_unenrolled_account_must_enrol_and_confirm(app: Flask, db: Session) -> None:
    person = enrolled(app, db, confirmed=False)
    with pytest.raises(service.EnrolmentRequiredError):
        _login(app, db, person)
    with pytest.raises(service.LoginFailedError):
        login.confirm_enrolment(db, person.account_id, person.password, "000000", **_kw(app))
    result = login.confirm_enrolment(
        db, person.account_id, person.password, person.code(), **_kw(app)
    )
    assert result.account.totp_confirmed


def test_create_account_refuses_bad_input(app: Flask, db: Session) -> None:
    person = enrolled(app, db)
    with pytest.raises(WeakPasswordError):
        service.create_account(db, "orang-baru", "auditor", "password123", **_kw(app))
    with pytest.raises(service.DuplicateUsernameError):
        service.create_account(
            db, person.username.upper(), "auditor", "kuda-laut-merah-1", **_kw(app)
        )
    with pytest.raises(service.UnknownRoleError):
        service.create_account(db, "orang-baru", "root", "kuda-laut-merah-1", **_kw(app))
    with pytest.raises(service.InvalidUsernameError):
        service.create_account(db, "<script>", "auditor", "kuda-laut-merah-1", **_kw(app))


def test_password_change_rewraps_keeps_grants_and_ends_other_sessions(
    app: Flask, db: Session
) -> None:
    person = enrolled(app, db)
    created = make_case(app, db)
    case = created.case
    assert case is not None
    account = db.get(StaffAccount, person.account_id)
    assert account is not None
    keep = start_session(db, kind="staff", payload=b"k" * 32, staff_id=account.id)
    start_session(db, kind="staff", payload=b"k" * 32, staff_id=account.id)
    keep_row = db.scalars(select(AuthSession).where(AuthSession.staff_id == account.id)).first()
    assert keep_row is not None and keep
    service.change_password(
        db,
        account,
        person.password,
        "gajah-biru-terbang-9",
        keep_session_hash=keep_row.id_hash,
        **_kw(app),
    )
    db.commit()
    with pytest.raises(WrongPasswordError):
        unlock_private_key(account.wrapped_private_key, person.password, account_id=account.id)
    private = unlock_private_key(
        account.wrapped_private_key, "gajah-biru-terbang-9", account_id=account.id
    )
    assert unlock_case_for_staff(db, case, account.id, private)
    rows = list(db.scalars(select(AuthSession).where(AuthSession.staff_id == account.id)))
    assert [row.id_hash for row in rows] == [keep_row.id_hash]
    with pytest.raises(service.LoginFailedError):
        _login(app, db, person)


def test_deactivated_account_cannot_log_in_and_gets_no_new_cases(app: Flask, db: Session) -> None:
    person = enrolled(app, db)
    account = db.get(StaffAccount, person.account_id)
    assert account is not None
    start_session(db, kind="staff", payload=b"k" * 32, staff_id=account.id)
    service.deactivate(db, account, actor="cli", audit_key=_kw(app)["audit_key"])
    db.commit()
    assert db.scalars(select(AuthSession).where(AuthSession.staff_id == account.id)).first() is None
    with pytest.raises(service.LoginFailedError):
        _login(app, db, person)
    assert account.id not in {r.staff_id for r in submission_recipients(db)}


def test_a_reactivated_supervisor_waits_for_approval_before_new_cases(
    app: Flask, db: Session
) -> None:
    enrolled(app, db)  # another approved supervisor keeps reports coming
    person = enrolled(app, db)
    account = db.get(StaffAccount, person.account_id)
    assert account is not None and account.activation_approved_at is not None
    service.deactivate(db, account, actor="cli", audit_key=_kw(app)["audit_key"])
    service.reactivate(db, account, actor="cli", audit_key=_kw(app)["audit_key"])
    db.commit()
    assert account.active and account.activation_approved_at is None
    _login(app, db, person)  # they can sign in again ...
    # ... but a new report is not wrapped for them until another supervisor approves.
    assert account.id not in {r.staff_id for r in submission_recipients(db)}
    tags = db.scalars(select(AuditEvent.tag).where(AuditEvent.tag.like("staff:%activated")))
    assert list(tags) == ["staff:deactivated", "staff:reactivated"]


def test_reactivating_an_investigator_keeps_it_simple(app: Flask, db: Session) -> None:
    person = enrolled(app, db, "investigator")
    account = db.get(StaffAccount, person.account_id)
    assert account is not None
    service.deactivate(db, account, actor="cli", audit_key=_kw(app)["audit_key"])
    db.commit()
    with pytest.raises(service.LoginFailedError):
        _login(app, db, person)
    service.reactivate(db, account, actor="cli", audit_key=_kw(app)["audit_key"])
    db.commit()
    _login(app, db, person)


def test_login_upgrades_argon2_parameters(app: Flask, db: Session) -> None:
    person = enrolled(app, db)
    stronger = Argon2Params(time_cost=2, memory_cost=16, parallelism=1)
    settings = current_settings(app)
    assert settings.keyring is not None
    before = db.get(StaffAccount, person.account_id)
    assert before is not None
    old_hash = before.password_hash
    login.authenticate(
        db,
        person.username,
        person.password,
        person.code(),
        params=stronger,
        audit_key=settings.keyring.audit_hmac_key,
    )
    assert before.password_hash != old_hash and "t=2" in before.password_hash


@pytest.mark.parametrize("role", ["supervisor", "custodian"])
def test_a_supervisor_or_custodian_made_with_a_password_waits_for_approval(
    app: Flask, db: Session, role: str
) -> None:
    """Made on the shell at first run, a supervisor had been approved at once: the one who
    ran the shell read every later case without the escrow holder's approval."""
    account = service.create_account(db, f"baru-{role}", role, "kuda-laut-merah-1", **_kw(app))
    db.commit()
    assert account.activation_approved_at is None
    if role == "supervisor":
        assert submission_recipients(db) == []  # no new report would be sealed for it


def test_other_roles_made_with_a_password_need_no_approval(app: Flask, db: Session) -> None:
    account = service.create_account(
        db, "baru-irban", "investigator", "kuda-laut-merah-1", **_kw(app)
    )
    assert account.activation_approved_at is not None
