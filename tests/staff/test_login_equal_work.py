"""Every failing sign-in costs the same Argon2 work, so timing does not tell which usernames
exist or what was wrong.

An unknown name used to cost two derivations and a known name with a wrong password one; a
wrong code, a deactivated or an unenrolled account differed too. The derivations are counted
(tests/support/argon2probe.py wraps every Argon2 entry point), not timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_settings
from sipadu.staff import login, service
from tests.support.argon2probe import Argon2Probe, installed_probe
from tests.support.staff import enrolled

FAILURES = {
    "unknown user": service.LoginFailedError,
    "wrong password": service.LoginFailedError,
    "wrong code": service.LoginFailedError,
    "deactivated": service.LoginFailedError,
    "unenrolled": service.EnrolmentRequiredError,
    "unenrolled, wrong password": service.LoginFailedError,
    "throttled": service.LoginThrottledError,
}


@pytest.fixture
def argon2_probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[Argon2Probe]:
    yield from installed_probe(monkeypatch)


def _attempt(app: Flask, db: Session, case: str) -> type[Exception] | None:
    person = enrolled(app, db, confirmed=not case.startswith("unenrolled"))
    username, password, code = person.username, person.password, person.code()
    by_case: dict[str, dict[str, object]] = {
        "deactivated": {"active": False},
        "throttled": {"failed_logins": 8, "last_failed_login_at": datetime.now(UTC)},
    }
    changes = by_case.get(case, {})
    if changes:
        db.execute(
            update(StaffAccount).where(StaffAccount.id == person.account_id).values(**changes)
        )
        db.commit()
    username = "tidak-ada-orangnya" if case == "unknown user" else username
    password = "salah-sekali-pw" if "wrong password" in case else password
    code = ("000000" if code != "000000" else "111111") if case == "wrong code" else code
    settings = current_settings(app)
    assert settings.keyring is not None
    try:
        login.authenticate(
            db,
            username,
            password,
            code,
            params=settings.argon2,
            audit_key=settings.keyring.audit_hmac_key,
        )
    except service.StaffServiceError as error:
        db.commit()
        return type(error)
    db.commit()
    return None


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_every_failing_sign_in_costs_two_derivations(
    app: Flask, db: Session, argon2_probe: Argon2Probe, case: str
) -> None:
    enrolled(app, db)  # the verifier of an existing account is loaded, not just any
    argon2_probe.reset()
    outcome = _attempt(app, db, case)
    assert outcome is FAILURES[case]
    # The account's own creation (two derivations) happened inside _attempt: count the rest.
    assert argon2_probe.derivations - 2 == 2, case


def test_a_success_costs_the_same_two(app: Flask, db: Session, argon2_probe: Argon2Probe) -> None:
    argon2_probe.reset()
    assert _attempt(app, db, "success") is None
    assert argon2_probe.derivations - 2 == 2
