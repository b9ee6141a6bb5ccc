"""Server-side sessions (docs/crypto.md, session token).

The client holds a token; the row holds ``hash(id)`` and the payload (an unlocked staff private
key or a case DEK) sealed under a secret derived from the token. The row alone decrypts
nothing, the token alone finds nothing. Idle expiry and logout delete the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sipadu.coltypes import as_utc
from sipadu.crypto.errors import DecryptionError, InvalidSessionTokenError
from sipadu.crypto.sessions import (
    SessionToken,
    new_session_token,
    open_session_payload,
    seal_session_payload,
    session_from_token,
)
from sipadu.sessions.models import AuthSession, Channel, SessionKind

IDLE_TIMEOUT = {
    SessionKind.STAFF: timedelta(minutes=30),
    SessionKind.REPORTER: timedelta(minutes=15),
}
ABSOLUTE_LIFETIME = {
    SessionKind.STAFF: timedelta(hours=12),
    SessionKind.REPORTER: timedelta(hours=2),
}
# Writing last_seen_at on every request would turn reads into writes; a minute is precise
# enough for a 15- or 30-minute idle timeout.
_TOUCH_INTERVAL = timedelta(seconds=60)
# A reporter session row must not date the reporter's visit: it keeps the day it began, and
# its clocks rounded DOWN to these steps. Rounding down keeps the promise the reporter pages
# make ("signed out after 15 minutes without activity"): the session ends 10 to 15 minutes
# after the last request, and its lifetime is 1 h 45 to 2 hours. Expired rows are purged
# (``purge_expired_sessions``).
REPORTER_SEEN_STEP = timedelta(minutes=5)
REPORTER_EXPIRY_STEP = timedelta(minutes=15)


class SessionError(Exception):
    """Base class: the presented session cannot be used."""


class InvalidSessionError(SessionError):
    """Malformed, unknown, of the wrong kind, or tampered with."""


class SessionExpiredError(SessionError):
    """Idle or absolute timeout passed; the row has been deleted."""


@dataclass(frozen=True)
class OpenSession:
    """A resumed session with its decrypted payload."""

    row: AuthSession
    payload: bytes = field(repr=False)
    token: SessionToken = field(repr=False)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def round_down(moment: datetime, step: timedelta) -> datetime:
    """``moment`` rounded down to the previous multiple of ``step`` since the epoch (UTC)."""
    moment = as_utc(moment)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // step) * step


def _clocks(kind: SessionKind, moment: datetime) -> tuple[datetime, datetime, datetime]:
    """``(created_at, last_seen_at, expires_at)`` for a new session of ``kind``."""
    expires = moment + ABSOLUTE_LIFETIME[kind]
    if kind != SessionKind.REPORTER:
        return moment, moment, expires
    day = as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return day, round_down(moment, REPORTER_SEEN_STEP), round_down(expires, REPORTER_EXPIRY_STEP)


def start_session(
    db: Session,
    *,
    kind: str,
    payload: bytes,
    staff_id: int | None = None,
    case_id: int | None = None,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> str:
    """Create a session row and return the token for the cookie or bearer header."""
    if kind not in IDLE_TIMEOUT:
        raise ValueError(f"unknown session kind {kind!r}")
    if (kind == SessionKind.STAFF) == (staff_id is None) or (
        kind == SessionKind.STAFF and case_id is not None
    ):
        raise ValueError("a staff session needs staff_id and names no case")
    created, seen, expires = _clocks(SessionKind(kind), _now(now))
    token = new_session_token()
    db.add(
        AuthSession(
            id_hash=token.id_hash,
            kind=kind,
            staff_id=staff_id,
            case_id=case_id,
            payload=seal_session_payload(token, payload),
            channel=channel,
            created_at=created,
            last_seen_at=seen,
            expires_at=expires,
            generation=0,
        )
    )
    db.flush()
    return token.token


def _expired(row: AuthSession, moment: datetime) -> bool:
    idle_deadline = row.last_seen_at + IDLE_TIMEOUT[row.kind]
    return moment >= idle_deadline or moment >= row.expires_at


def resume_session(
    db: Session,
    token: str,
    *,
    kind: str,
    channel: str | None = None,
    now: datetime | None = None,
) -> OpenSession:
    """Find, check and unlock a session; refresh its idle clock."""
    try:
        parsed = session_from_token(token)
    except InvalidSessionTokenError:
        raise InvalidSessionError("malformed session token") from None
    row = db.get(AuthSession, parsed.id_hash)
    if row is None or row.kind != kind or (channel is not None and row.channel != channel):
        raise InvalidSessionError("no such session")
    moment = _now(now)
    if _expired(row, moment):
        db.delete(row)
        db.flush()
        raise SessionExpiredError("session expired")
    try:
        payload = open_session_payload(parsed, row.payload)
    except DecryptionError:
        raise InvalidSessionError("session payload does not open") from None
    _touch(row, moment)
    return OpenSession(row=row, payload=payload, token=parsed)


def _touch(row: AuthSession, moment: datetime) -> None:
    if row.kind == SessionKind.REPORTER:
        seen = round_down(moment, REPORTER_SEEN_STEP)
        if seen > row.last_seen_at:
            row.last_seen_at = seen
    elif moment - row.last_seen_at >= _TOUCH_INTERVAL:
        row.last_seen_at = moment


def end_session(db: Session, token: str) -> bool:
    """Delete the session a token names (logout). True if one was deleted."""
    try:
        parsed = session_from_token(token)
    except InvalidSessionTokenError:
        return False
    result = db.execute(delete(AuthSession).where(AuthSession.id_hash == parsed.id_hash))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_staff_sessions(db: Session, staff_id: int, *, keep_id_hash: str | None = None) -> int:
    """Delete every session of a staff member (password change, reset, deactivation)."""
    stmt = delete(AuthSession).where(AuthSession.staff_id == staff_id)
    if keep_id_hash is not None:
        stmt = stmt.where(AuthSession.id_hash != keep_id_hash)
    return int(db.execute(stmt).rowcount)  # type: ignore[attr-defined]


def purge_expired_sessions(db: Session, now: datetime | None = None) -> int:
    """Delete rows past their absolute lifetime or idle for longer than their kind allows
    (run from ``sipadu sessions purge`` and opportunistically by the app)."""
    moment = _now(now)
    stmt = delete(AuthSession).where(
        (AuthSession.expires_at <= moment)
        | (
            (AuthSession.kind == SessionKind.REPORTER)
            & (AuthSession.last_seen_at <= moment - IDLE_TIMEOUT[SessionKind.REPORTER])
        )
        | (AuthSession.last_seen_at <= moment - max(IDLE_TIMEOUT.values()))
    )
    return int(db.execute(stmt).rowcount)  # type: ignore[attr-defined]
