"""Opening a case with its case key: parse, throttle, verify, unwrap the DEK.

Wrong keys are limited per (case code, client address) (``web/case_key_attempts.py``): an
address that keeps sending wrong keys for a code slows only itself, never the reporter at
another address. Above that, a code takes at most ``CODE_CEILING`` wrong keys per
``CODE_WINDOW`` from everybody together (a row in the database, shared by every server); only
then is it closed to all until the window ends, which takes many addresses. Unknown codes
cost the same Argon2 work as real ones and are counted the same way, so neither answers nor
timing reveal which codes exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.cases.identity import reseal_legacy_identity
from sipadu.cases.models import Case, CaseKeyThrottle
from sipadu.cases.service import case_by_code
from sipadu.crypto.casekey import dummy_case_key_check, parse_case_key, unlock_case_dek
from sipadu.crypto.errors import DecryptionError, WrongCaseKeyError
from sipadu.crypto.params import Argon2Params
from sipadu.unit_of_work import end_transaction
from sipadu.web.case_key_attempts import client_wait, count_client_failure

# A throttle row names a case code and the time of its last failed guess (perhaps the
# reporter's own typo); housekeeping forgets it a day later (sipadu/ops/housekeeping.py).
# Far above what one address may send (PER_CLIENT_LIMITS: ten an hour), so closing a code
# to everybody takes fifty addresses or more guessing at full speed for the whole hour.
CODE_CEILING = 500
CODE_WINDOW = timedelta(hours=1)


class CaseKeyThrottledError(Exception):
    """Too many wrong keys for this code lately; try again after ``retry_after``."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__("case key attempts are being slowed down")
        self.retry_after = retry_after


@dataclass(frozen=True)
class OpenedCase:
    """A case and its DEK, unlocked by the reporter's key."""

    case: Case
    dek: bytes = field(repr=False)


def _count_failure(db: Session, code: str, moment: datetime) -> None:
    """Add one failure in one statement: simultaneous first failures for a code must all
    count, and none may fail on the row another guess inserted a moment earlier. A window
    that has ended starts again at this failure."""
    dialect = db.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(CaseKeyThrottle).values(
        code=code, failures=1, last_failure_at=moment, window_started_at=moment
    )
    ended = CaseKeyThrottle.window_started_at <= moment - CODE_WINDOW
    db.execute(
        statement.on_conflict_do_update(
            index_elements=[CaseKeyThrottle.code],
            set_={
                "failures": sql_case((ended, 1), else_=CaseKeyThrottle.failures + 1),
                "window_started_at": sql_case(
                    (ended, moment), else_=CaseKeyThrottle.window_started_at
                ),
                "last_failure_at": moment,
            },
        )
    )


def _code_wait(db: Session, code: str, moment: datetime) -> timedelta | None:
    # Columns, not the ORM object: a row cached in the session would miss the failures
    # counted since by single-statement upserts.
    row = db.execute(
        select(CaseKeyThrottle.failures, CaseKeyThrottle.window_started_at).where(
            CaseKeyThrottle.code == code
        )
    ).first()
    if row is None or row.failures < CODE_CEILING:
        return None
    # A window start in the future (another server's clock ahead) waits one window at most.
    remaining = min(row.window_started_at + CODE_WINDOW - moment, CODE_WINDOW)
    return remaining if remaining > timedelta(0) else None


def _check_throttle(db: Session, code: str, client: str | None, moment: datetime) -> None:
    waits = [_code_wait(db, code, moment)]
    if client is not None:
        waits.append(client_wait(code, client))
    longest = max((wait for wait in waits if wait is not None), default=None)
    if longest is not None:
        raise CaseKeyThrottledError(longest)


def _record_failure(
    db: Session, code: str, client: str | None, moment: datetime, audit_key: bytes, exists: bool
) -> None:
    _count_failure(db, code, moment)
    if client is not None:
        count_client_failure(code, client)
    record_event(
        db,
        audit_key,
        "reporter:login_failed",
        actor=Actor.REPORTER,
        case_code=code if exists else None,
        outcome="failure",
        now=moment,
    )
    db.flush()


def open_case_with_key(
    db: Session,
    key_text: str,
    *,
    params: Argon2Params,
    audit_key: bytes,
    client: str | None,
    escrow_public: bytes | None = None,
    now: datetime | None = None,
) -> OpenedCase:
    """Return the case and DEK, or raise: MalformedCaseKeyError / CaseKeyTypoError (nothing
    counted), CaseKeyThrottledError (no Argon2 work done), WrongCaseKeyError (counted).
    ``client`` is the request's rate-limit identifier (``ratelimit.client_identifier``), or
    ``None`` for a caller with no client (a command): only the per-code ceiling applies then.

    The reads are committed before the derivation, so call it with no pending writes. The
    caller commits in every case, so a failure is recorded even though it raises. A legacy
    identity (sealed under the DEK) is re-sealed for the custodians and ``escrow_public``.
    """
    key = parse_case_key(key_text)
    moment = now or datetime.now(UTC)
    _check_throttle(db, key.code, client, moment)
    case = case_by_code(db, key.code)
    record = case.reporter_key_record if case is not None else None
    # End the read transaction before the Argon2id work: on SQLite it holds the write lock
    # (BEGIN IMMEDIATE), and a guess would stall every other request for the derivation.
    end_transaction(db)
    if case is None or record is None:
        dummy_case_key_check(key, params)
        _record_failure(db, key.code, client, moment, audit_key, exists=False)
        raise WrongCaseKeyError("case key does not match")
    try:
        dek = unlock_case_dek(key, record, case_id=key.code)
    except (WrongCaseKeyError, DecryptionError):
        _record_failure(db, key.code, client, moment, audit_key, exists=True)
        raise WrongCaseKeyError("case key does not match") from None
    db.execute(delete(CaseKeyThrottle).where(CaseKeyThrottle.code == key.code))
    # An identity from before custodians existed leaves the DEK's reach now.
    reseal_legacy_identity(db, case, dek, escrow_public=escrow_public, now=moment)
    record_event(
        db, audit_key, "reporter:login", actor=Actor.REPORTER, case_code=case.code, now=moment
    )
    db.flush()
    return OpenedCase(case=case, dek=dek)
