"""Case creation and access: who can open a case, and who cannot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.cases.content import (
    MessageError,
    add_message,
    list_messages,
    read_report,
)
from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import Case, CaseConflict, CaseKeyThrottle, CaseMessage
from sipadu.cases.service import (
    CaseAccessError,
    ServiceNotReadyError,
    create_case,
    grant_case,
    revoke_grant,
    unlock_case_for_staff,
)
from sipadu.crypto import envelope
from sipadu.crypto.casekey import format_case_key, generate_case_key
from sipadu.crypto.errors import (
    CaseKeyTypoError,
    DecryptionError,
    MalformedCaseKeyError,
    WrongCaseKeyError,
)
from sipadu.crypto.grants import unwrap_grant
from sipadu.days import wib_today
from sipadu.reporting import reporter_access
from sipadu.reporting.reporter_access import CaseKeyThrottledError, open_case_with_key
from tests.support.audit import seal_all
from tests.support.clock import pin_limiter_clock
from tests.support.factories import make_case, make_staff

MARKER = "PENANDA-RAHASIA-8841"
# Rate-limit identifiers of two clients (what ratelimit.client_identifier gives a request).
ATTACKER = "a77ac4e5a77ac4e5"
REPORTER = "5e9027e85e9027e8"


def _open(  # type: ignore[no-untyped-def]
    app: Flask, db: Session, key: str, now: datetime | None = None, client: str | None = None
):
    settings = current_settings(app)
    assert settings.keyring is not None
    return open_case_with_key(
        db,
        key,
        params=settings.argon2,
        audit_key=settings.keyring.audit_hmac_key,
        client=client,
        now=now,
    )


def test_reporter_key_opens_only_its_own_case(app: Flask, db: Session) -> None:
    make_staff(app, db)
    first = make_case(app, db, {"category": "kkn", "what": MARKER})
    second = make_case(app, db)
    opened = _open(app, db, first.case_key)
    assert opened.case.code == first.case.code
    assert read_report(opened.case, opened.dek)["what"] == MARKER
    assert _open(app, db, second.case_key).case.code == second.case.code
    # The first case's DEK cannot open the second case's report.
    with pytest.raises(DecryptionError):
        read_report(second.case, opened.dek)


def test_nothing_readable_is_stored(app: Flask, db: Session) -> None:
    make_staff(app, db)
    created = make_case(
        app,
        db,
        {"category": "kkn", "what": MARKER},
        identity={"name": "NAMA-PELAPOR-77", "contact": "x"},
    )
    db.commit()
    for table in ("cases", "case_grants", "timeline_entries", "audit_events"):
        for row in db.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
            flat = repr(tuple(row))
            assert MARKER not in flat and "NAMA-PELAPOR-77" not in flat
            assert created.case_key not in flat


def test_typo_wrong_and_malformed_keys(app: Flask, db: Session) -> None:
    make_staff(app, db)
    created = make_case(app, db)
    key = created.case_key
    last = key[-1]
    typo = key[:-1] + ("0" if last != "0" else "1")
    with pytest.raises(CaseKeyTypoError):
        _open(app, db, typo)
    wrong = format_case_key(generate_case_key(created.case.code))
    with pytest.raises(WrongCaseKeyError):
        _open(app, db, wrong)
    with pytest.raises(MalformedCaseKeyError):
        _open(app, db, "hello")
    # Tolerant parsing: lower case, spaces instead of dashes.
    assert _open(app, db, key.lower().replace("-", " ")).case.code == created.case.code


def test_wrong_keys_from_one_address_do_not_lock_out_the_reporter(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_limiter_clock(monkeypatch)
    make_staff(app, db)
    created = make_case(app, db)
    code = created.case.code
    wrong = format_case_key(generate_case_key(code))
    for _ in range(4):
        with pytest.raises(WrongCaseKeyError):
            _open(app, db, wrong, client=ATTACKER)
        db.commit()
    # The hammering address is slowed, even with the right key: no Argon2 work for it.
    with pytest.raises(CaseKeyThrottledError):
        _open(app, db, wrong, client=ATTACKER)
    with pytest.raises(CaseKeyThrottledError):
        _open(app, db, created.case_key, client=ATTACKER)
    # The reporter, elsewhere, opens the case at once.
    assert _open(app, db, created.case_key, client=REPORTER).case.code == code
    seal_all(app, db)
    failures = db.scalars(select(AuditEvent.tag).where(AuditEvent.case_code == code)).all()
    assert failures.count("reporter:login_failed") == 4


def test_the_per_address_limit_frees_up_after_its_window(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = pin_limiter_clock(monkeypatch)
    make_staff(app, db)
    created = make_case(app, db)
    wrong = format_case_key(generate_case_key(created.case.code))
    for _ in range(4):
        with pytest.raises(WrongCaseKeyError):
            _open(app, db, wrong, client=REPORTER)
        db.commit()
    with pytest.raises(CaseKeyThrottledError) as caught:
        _open(app, db, created.case_key, client=REPORTER)
    assert timedelta(0) < caught.value.retry_after <= timedelta(minutes=4)
    clock.advance(4 * 60)
    assert _open(app, db, created.case_key, client=REPORTER).case.code == created.case.code


def test_the_ceiling_closes_a_code_to_everybody_for_its_window(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_limiter_clock(monkeypatch)
    monkeypatch.setattr(reporter_access, "CODE_CEILING", 6)
    make_staff(app, db)
    created = make_case(app, db)
    code = created.case.code
    wrong = format_case_key(generate_case_key(code))
    moment = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    for attempt in range(6):  # from six addresses: each stays under its own limit
        with pytest.raises(WrongCaseKeyError):
            _open(app, db, wrong, now=moment, client=f"many-{attempt}")
        db.commit()
    with pytest.raises(CaseKeyThrottledError) as caught:
        _open(app, db, created.case_key, now=moment + timedelta(minutes=30), client=REPORTER)
    assert caught.value.retry_after == timedelta(minutes=30)
    # The window ends an hour after it started; the right key works and clears the count.
    later = moment + timedelta(hours=1)
    assert _open(app, db, created.case_key, now=later, client=REPORTER).case.code == code
    assert db.get(CaseKeyThrottle, code) is None


def test_a_window_that_ended_starts_again_at_the_next_failure(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reporter_access, "CODE_CEILING", 3)
    make_staff(app, db)
    created = make_case(app, db)
    wrong = format_case_key(generate_case_key(created.case.code))
    moment = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    # Two failures an hour, for hours: a slow guesser never reaches the ceiling.
    for hour in range(4):
        for minute in (0, 59):
            with pytest.raises(WrongCaseKeyError):
                _open(app, db, wrong, now=moment + timedelta(hours=hour, minutes=minute))
            db.commit()
    late = moment + timedelta(hours=3, minutes=59, seconds=30)
    assert _open(app, db, created.case_key, now=late).case.code == created.case.code


def test_unknown_codes_fail_like_wrong_keys(app: Flask, db: Session) -> None:
    make_staff(app, db)
    created = make_case(app, db)
    db.execute(text("DELETE FROM cases"))
    db.commit()
    with pytest.raises(WrongCaseKeyError):
        _open(app, db, created.case_key)


def test_refuses_when_nobody_could_read(app: Flask, db: Session) -> None:
    settings = current_settings(app)
    assert settings.keyring is not None
    with pytest.raises(ServiceNotReadyError):
        create_case(
            db,
            {"category": "kkn", "what": "x"},
            identity=None,
            recipients=[],
            escrow_public=None,
            params=settings.argon2,
            audit_key=settings.keyring.audit_hmac_key,
        )


def test_supervisors_get_grants_and_investigators_only_when_assigned(
    app: Flask, db: Session
) -> None:
    supervisor = make_staff(app, db, "supervisor")
    investigator = make_staff(app, db, "investigator")
    created = make_case(app, db, {"category": "kkn", "what": MARKER})
    case = created.case
    dek = unlock_case_for_staff(db, case, supervisor.account.id, supervisor.private_key)
    with pytest.raises(CaseAccessError):
        unlock_case_for_staff(db, case, investigator.account.id, investigator.private_key)
    grant = grant_case(
        db,
        case,
        dek,
        investigator.account,
        reason=GrantReason.ASSIGNMENT,
        granted_by=supervisor.account.id,
    )
    wrapped = grant.wrapped_dek
    assert (
        read_report(
            case, unlock_case_for_staff(db, case, investigator.account.id, investigator.private_key)
        )["what"]
        == MARKER
    )
    assert revoke_grant(db, case, investigator.account.id)
    with pytest.raises(CaseAccessError):
        unlock_case_for_staff(db, case, investigator.account.id, investigator.private_key)
    # The old wrapped DEK opens only with the investigator's own private key.
    assert unwrap_grant(wrapped, investigator.private_key, case_id=case.code) == dek
    with pytest.raises(DecryptionError):
        unwrap_grant(wrapped, supervisor.private_key, case_id=case.code)


def test_conflict_blocks_access_and_assignment(app: Flask, db: Session) -> None:
    supervisor = make_staff(app, db, "supervisor")
    other = make_staff(app, db, "supervisor")
    investigator = make_staff(app, db, "investigator")
    case = make_case(app, db).case
    dek = unlock_case_for_staff(db, case, supervisor.account.id, supervisor.private_key)
    for member in (other, investigator):
        db.add(
            CaseConflict(case_id=case.id, staff_id=member.account.id, created_at=datetime.now(UTC))
        )
    db.flush()
    with pytest.raises(CaseAccessError):
        unlock_case_for_staff(db, case, other.account.id, other.private_key)
    with pytest.raises(CaseAccessError):
        grant_case(
            db, case, dek, investigator.account, reason=GrantReason.ASSIGNMENT, granted_by=None
        )


def test_reporter_never_sees_internal_notes(app: Flask, db: Session) -> None:
    supervisor = make_staff(app, db)
    created = make_case(app, db)
    case, dek = created.case, created.dek
    add_message(
        db,
        case,
        dek,
        "Terima kasih, mohon lampirkan bukti.",
        author_kind="staff",
        staff_id=supervisor.account.id,
    )
    add_message(
        db,
        case,
        dek,
        "CATATAN-INTERNAL",
        author_kind="staff",
        staff_id=supervisor.account.id,
        internal=True,
    )
    add_message(db, case, dek, "Bukti menyusul.", author_kind="reporter")
    reporter_view = list_messages(db, case, dek, include_internal=False)
    assert [m.body for m in reporter_view] == [
        "Terima kasih, mohon lampirkan bukti.",
        "Bukti menyusul.",
    ]
    staff_view = list_messages(db, case, dek, include_internal=True)
    assert "CATATAN-INTERNAL" in [m.body for m in staff_view]
    with pytest.raises(MessageError):
        add_message(db, case, dek, "   ", author_kind="reporter")
    with pytest.raises(ValueError, match="reporter"):
        add_message(db, case, dek, "x", author_kind="reporter", internal=True)


def test_message_moved_to_another_case_does_not_open(app: Flask, db: Session) -> None:
    make_staff(app, db)
    first, second = make_case(app, db), make_case(app, db)
    add_message(db, first.case, first.dek, "pesan", author_kind="reporter")
    db.commit()
    message = db.scalars(select(CaseMessage)).one()
    message.case_id = second.case.id
    db.commit()
    [moved] = list_messages(db, second.case, second.dek, include_internal=False)
    assert not moved.verified and moved.body == "" and moved.author_kind == "unverified"


def test_identity_is_sealed_and_audit_keeps_the_day(app: Flask, db: Session) -> None:
    make_staff(app, db)
    created = make_case(app, db, identity={"name": "Pelapor", "contact": "Signal"})
    # Sealed for the custodians only: the case DEK does not open it (tests/confidential).
    assert created.case.identity_sealed and created.case.identity_custodial
    with pytest.raises(DecryptionError):
        envelope.open_sealed(
            created.dek,
            created.case.identity_sealed,
            case_id=created.case.code,
            kind=envelope.KIND_IDENTITY,
            binding=envelope.Binding(b"", "reporter"),
        )
    seal_all(app, db)
    event = db.scalars(select(AuditEvent).where(AuditEvent.tag == "case:submitted")).one()
    assert event.actor == "reporter" and event.case_code == created.case.code
    assert (event.occurred_at.hour, event.occurred_at.minute, event.occurred_at.second) == (0, 0, 0)
    stored = db.get(Case, created.case.id)
    assert stored is not None and stored.received_on == wib_today()
