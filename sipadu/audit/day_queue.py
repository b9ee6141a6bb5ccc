"""The day queue: reporter events wait here until their day is over, then join the chain.

A chain row's place (its ``seq``, between staff rows timed to the second) would date a
reporter's action to within seconds even though the row itself keeps only the day. So
day-only events (see ``is_day_only``) are queued instead, and :func:`seal_days` appends each
finished day's events in one batch, in an order drawn with ``secrets``, after every staff row
written until then. Their place in the chain then says only "some time that day".

A queue row is a random id, the day, and the event sealed with AES-256-GCM under a key derived
from the audit key (associated data: the id and the day). A database dump taken during the day
shows how many reporter events are waiting, never which case or what happened; an edited row
fails to open. The state row counts queued and ever-queued events under an HMAC, so a deleted
row no longer matches the count. What remains visible is documented in docs/audit.md.
"""

from __future__ import annotations

import hmac as hmac_lib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sipadu.audit.models import AuditQueueEntry, AuditQueueState
from sipadu.audit.service import QueuedEvent, append_event, lock_head, sign

STATE_ID = 1
_SEAL_KEY_LABEL = b"sipadu audit day queue v1"
_NONCE_BYTES = 12


class AuditQueueError(Exception):
    """The queue was tampered with (a row edited, forged or deleted); nothing was sealed."""


@dataclass(frozen=True)
class QueueReport:
    """Outcome of checking the queue."""

    pending: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class SealReport:
    """What one :func:`seal_days` run appended."""

    days: list[date]
    events: int


def _seal_key(key: bytes) -> bytes:
    return hmac_lib.digest(key, _SEAL_KEY_LABEL, "sha256")


def _associated(entry_id: str, day: date) -> bytes:
    return f"audit-queue|{entry_id}|{day.isoformat()}".encode("ascii")


def _seal(key: bytes, entry_id: str, event: QueuedEvent) -> bytes:
    plain = json.dumps(
        [event.tag, event.actor, event.case_code, event.outcome, event.detail],
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode("ascii")
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(_seal_key(key)).encrypt(nonce, plain, _associated(entry_id, event.day))


def _open(key: bytes, entry: AuditQueueEntry) -> QueuedEvent:
    blob = bytes(entry.sealed)
    try:
        plain = AESGCM(_seal_key(key)).decrypt(
            blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _associated(entry.id, entry.day)
        )
    except (InvalidTag, ValueError):
        raise AuditQueueError("a queued event was edited or forged") from None
    tag, actor, case_code, outcome, detail = json.loads(plain)
    return QueuedEvent(entry.day, tag, actor, case_code, outcome, detail)


def _state_message(pending: int, queued_total: int) -> str:
    return f"queue|{pending}|{queued_total}"


def _state_is_authentic(key: bytes, state: AuditQueueState) -> bool:
    if state.pending == 0 and state.queued_total == 0 and state.hmac == "":
        return True  # the migration's unsigned empty state
    return hmac_lib.compare_digest(
        sign(key, _state_message(state.pending, state.queued_total)), state.hmac
    )


def _lock_state(session: Session) -> AuditQueueState:
    stmt = select(AuditQueueState).where(AuditQueueState.id == STATE_ID).with_for_update()
    return session.execute(stmt, execution_options={"populate_existing": True}).scalar_one()


def _set_counts(
    key: bytes, state: AuditQueueState, pending: int, total: int, authentic: bool
) -> None:
    state.pending, state.queued_total = pending, total
    # A state that was already forged stays unsigned, so verify keeps reporting it rather
    # than this write signing the forgery.
    state.hmac = sign(key, _state_message(pending, total)) if authentic else "forged"


def enqueue_event(session: Session, key: bytes, event: QueuedEvent) -> QueuedEvent:
    """Queue a day-only event in the caller's transaction (flushed, not committed)."""
    lock_head(session)  # the one lock every audit writer takes: no counter races
    state = _lock_state(session)
    authentic = _state_is_authentic(key, state)
    entry_id = secrets.token_hex(16)
    session.add(AuditQueueEntry(id=entry_id, day=event.day, sealed=_seal(key, entry_id, event)))
    _set_counts(key, state, state.pending + 1, state.queued_total + 1, authentic)
    session.flush()
    return event


def _check(session: Session, key: bytes, state: AuditQueueState) -> list[tuple[str, QueuedEvent]]:
    if not _state_is_authentic(key, state):
        raise AuditQueueError("the queue's count row was edited")
    entries = list(session.scalars(select(AuditQueueEntry)))
    if len(entries) != state.pending:
        raise AuditQueueError(
            f"the queue holds {len(entries)} events but its count row "
            f"records {state.pending} (an event was deleted or added)"
        )
    return [(entry.id, _open(key, entry)) for entry in entries]


def verify_queue(session: Session, key: bytes) -> QueueReport:
    """Check every queued event opens under the key and the count row matches them."""
    state = session.get(AuditQueueState, STATE_ID)
    if state is None:
        return QueueReport(0, "the queue's count row is missing")
    try:
        events = _check(session, key, state)
    except AuditQueueError as error:
        return QueueReport(state.pending, str(error))
    return QueueReport(len(events))


def today_utc(now: datetime | None = None) -> date:
    """The UTC day reporter events are filed under (the chain's clock is UTC)."""
    return (now or datetime.now(UTC)).astimezone(UTC).date()


def seal_days(session: Session, key: bytes, before: date | None = None) -> SealReport:
    """Append every queued event of the days before ``before`` (default: today, UTC) to the
    chain, each day's events in a fresh random order; raises AuditQueueError, sealing
    nothing, if the queue was tampered with. Runs in the caller's transaction."""
    cutoff = before or today_utc()
    head = lock_head(session)
    state = _lock_state(session)
    by_day: dict[date, list[QueuedEvent]] = defaultdict(list)
    due_ids = []
    for entry_id, event in _check(session, key, state):
        if event.day < cutoff:
            by_day[event.day].append(event)
            due_ids.append(entry_id)
    if not due_ids:
        return SealReport([], 0)
    shuffler = secrets.SystemRandom()
    for day in sorted(by_day):
        events = by_day[day]
        shuffler.shuffle(events)
        midnight = datetime.combine(day, time(), UTC)
        for event in events:
            append_event(
                session,
                key,
                head,
                midnight,
                event.tag,
                event.actor,
                event.case_code,
                event.outcome,
                event.detail,
            )
    session.execute(delete(AuditQueueEntry).where(AuditQueueEntry.id.in_(due_ids)))
    _set_counts(key, state, state.pending - len(due_ids), state.queued_total, True)
    session.flush()
    return SealReport(sorted(by_day), len(due_ids))


def has_due_days(session: Session, before: date | None = None) -> bool:
    """Whether any queued event waits for a day that is over (a cheap indexed query)."""
    cutoff = before or today_utc()
    return (
        session.scalar(select(AuditQueueEntry.id).where(AuditQueueEntry.day < cutoff).limit(1))
        is not None
    )


def finished_days_waiting(session: Session, today: date | None = None) -> int:
    """How many events of the days before ``today`` (UTC) still wait to be sealed. Today's
    events are never counted where anyone sees them: a live count that rises the moment a
    reporter acts would time that reporter's actions to the minute for whoever polls it."""
    cutoff = today or today_utc()
    count = session.scalar(
        select(func.count()).select_from(AuditQueueEntry).where(AuditQueueEntry.day < cutoff)
    )
    return int(count or 0)


def pending_by_day(session: Session) -> dict[date, int]:
    """How many events wait per day (what the auditor console shows about the queue)."""
    rows = session.execute(
        select(AuditQueueEntry.day, func.count())
        .group_by(AuditQueueEntry.day)
        .order_by(AuditQueueEntry.day)
    )
    return {day: int(count) for day, count in rows}
