"""Writing and verifying the audit chain.

Each row carries ``hash = SHA-256(prev_hash | canonical row)`` and ``hmac = HMAC-SHA256(key,
hash)``. The head row is locked for every append, so concurrent writers (threads, gunicorn
workers, several app servers) queue instead of forking the chain. Events are written in the
caller's transaction, at its commit (``sipadu/audit/staging.py``: the lock is held for the
inserts and the commit only): the action and its record commit or roll back together. A reporter's
events wait in the day queue instead (``sipadu/audit/day_queue.py``) and join the chain once
their day is over, so their place in it cannot date them.
"""

from __future__ import annotations

import hashlib
import hmac as hmac_lib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from json.encoder import encode_basestring_ascii as _quote  # the escaper json.dumps uses

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from sipadu.audit.actors import ACTOR_PATTERN, Actor
from sipadu.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from sipadu.audit.signing import ChainSigner as ChainSigner  # re-exported for callers
from sipadu.audit.signing import sign as sign
from sipadu.audit.staging import stage, write_staged

HEAD_ID = 1
OUTCOMES = frozenset({"success", "failure", "denied"})
_TAG = re.compile(r"^[a-z][a-z_]{0,30}:[a-z][a-z_]{0,30}$")
_CASE_CODE = re.compile(r"^[A-Z0-9-]{1,32}$")
_DETAIL_KEY = re.compile(r"^[a-z][a-z_]{0,31}$")
# Detail values are identifiers (statuses, usernames, ids), never free text or content.
_DETAIL_VALUE = re.compile(r"^[A-Za-z0-9_.:@-]{0,64}$")

DetailValue = str | int | bool | None
_PROGRESS_STEP = 1000
# Sent by the digest timer minutes after a reporter's message or report: its time would
# place that reporter action, so it is kept to the day like the action itself. A channel
# files a report the moment its reporter sends it, and a report an intake officer files is
# the visit of the person at the counter: both dated to the day too.
DAY_ONLY_TAGS = frozenset(
    {"notification:sent", "intake:filed", "intake:replayed", "case:filed_by_operator"}
)


class AuditEventError(ValueError):
    """An event was malformed; refusing it keeps free text (and content) out of the log."""


@dataclass(frozen=True)
class ChainReport:
    """Outcome of walking the chain."""

    rows_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class QueuedEvent:
    """A day-only event as queued: the day, never a finer time, and the fields of its row."""

    day: date
    tag: str
    actor: str
    case_code: str | None
    outcome: str
    detail: str


def _iso(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC (a naive time is taken as UTC, as SQLite returns it)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    # isoformat is the C fast path; same text as strftime("%Y-%m-%dT%H:%M:%SZ") for any
    # year from 1000 on, and it drops the microseconds the way the format does.
    return moment.isoformat(timespec="seconds") + "Z"


def canonical_row(
    seq: int,
    occurred_at: datetime,
    tag: str,
    actor: str,
    case_code: str | None,
    outcome: str,
    detail: str,
) -> bytes:
    """The exact bytes hashed for a row; any edit of any field changes them.

    The JSON array ``[seq, time, tag, actor, case_code, outcome, detail]`` exactly as
    ``json.dumps(..., separators=(",", ":"), ensure_ascii=True)`` writes it, built with the
    same C string escaper without the encoder's per-call set-up (verification runs it for
    every row of the chain).
    """
    code = "null" if case_code is None else _quote(case_code)
    text = (
        f"[{int(seq)},{_quote(_iso(occurred_at))},{_quote(tag)},{_quote(actor)},"
        f"{code},{_quote(outcome)},{_quote(detail)}]"
    )
    return text.encode("ascii")


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """SHA-256 over the previous link and this row."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"|" + canonical).hexdigest()


def _head_message(seq: int, head_hash: str) -> str:
    return f"head|{seq}|{head_hash}"


def _encode_detail(detail: Mapping[str, DetailValue] | None) -> str:
    detail = detail or {}
    for key, value in detail.items():
        if not _DETAIL_KEY.match(key):
            raise AuditEventError(f"audit detail key {key!r} is not an identifier")
        if isinstance(value, str) and not _DETAIL_VALUE.match(value):
            raise AuditEventError(f"audit detail {key!r} must be a short identifier")
        if not isinstance(value, str | int | bool | type(None)):
            raise AuditEventError(f"audit detail {key!r} has an unsupported type")
    return json.dumps(dict(detail), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _validate(tag: str, actor: str, case_code: str | None, outcome: str) -> None:
    if not _TAG.match(tag):
        raise AuditEventError(f"audit tag {tag!r} is not 'subject:action'")
    if not ACTOR_PATTERN.match(actor):
        raise AuditEventError(
            "audit actor must be staff:<id>, service:<id>, reporter, system or cli"
        )
    if case_code is not None and not _CASE_CODE.match(case_code):
        raise AuditEventError("audit case code is malformed")
    if outcome not in OUTCOMES:
        raise AuditEventError(f"audit outcome must be one of {sorted(OUTCOMES)}")


def lock_head(session: Session) -> AuditHead:
    """Lock and return the head row (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE)."""
    stmt = select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    return session.execute(stmt, execution_options={"populate_existing": True}).scalar_one()


def append_event(
    session: Session,
    key: bytes,
    head: AuditHead,
    occurred_at: datetime,
    tag: str,
    actor: str,
    case_code: str | None,
    outcome: str,
    detail_text: str,
) -> AuditEvent:
    """Append one already validated event after ``head`` (locked by the caller)."""
    event = AuditEvent(
        occurred_at=occurred_at,
        tag=tag,
        actor=actor,
        case_code=case_code,
        outcome=outcome,
        detail=detail_text,
    )
    link_event(session, key, head, event)
    return event


def link_event(session: Session, key: bytes, head: AuditHead, event: AuditEvent) -> None:
    """Give ``event`` its place after ``head`` (locked by the caller) and add it."""
    head_hmac = _place(key, event, head.seq + 1, head.hash)
    session.add(event)
    head.seq, head.hash, head.hmac = event.seq, event.hash, head_hmac


def _place(key: bytes, event: AuditEvent, seq: int, prev_hash: str) -> str:
    """Set ``event``'s place after ``prev_hash`` (seq, chain hash, HMAC); the HMAC of the
    head that then points at it."""
    canonical = canonical_row(
        seq, event.occurred_at, event.tag, event.actor, event.case_code, event.outcome, event.detail
    )
    row_hash = chain_hash(prev_hash, canonical)
    event.seq, event.prev_hash, event.hash = seq, prev_hash, row_hash
    event.hmac = sign(key, row_hash)
    return sign(key, _head_message(seq, row_hash))


def is_day_only(tag: str, actor: str) -> bool:
    """Whether an event may be placed in time no finer than its day: everything a reporter
    does, and what follows a reporter's action on a schedule of its own (the staff digest)."""
    return actor == Actor.REPORTER or tag in DAY_ONLY_TAGS


def record_event(
    session: Session,
    key: bytes,
    tag: str,
    *,
    actor: str,
    case_code: str | None = None,
    outcome: str = "success",
    detail: Mapping[str, DetailValue] | None = None,
    now: datetime | None = None,
) -> AuditEvent | QueuedEvent:
    """Record one event in the caller's transaction: it is written when that commits.

    The chain's head is locked only at the commit (``sipadu/audit/staging.py``), so nothing
    the caller does after this call runs inside the audit lock; a rollback drops the event.
    Staff, system and CLI events join the chain then and come back as the row to be (its
    ``seq`` and ``hash`` are set at the commit). Day-only events (:func:`is_day_only`) go to
    the day queue and come back as a :class:`QueuedEvent`; ``sipadu audit seal-day`` appends
    them once their day is over.
    """
    _validate(tag, actor, case_code, outcome)
    detail_text = _encode_detail(detail)
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    if is_day_only(tag, actor):
        from sipadu.audit.day_queue import enqueue_event

        queued = QueuedEvent(moment.date(), tag, actor, case_code, outcome, detail_text)

        def write_queued(writing: Session) -> None:
            enqueue_event(writing, key, queued)

        stage(session, write_queued, timed=False)
        return queued
    event = AuditEvent(
        occurred_at=moment,
        tag=tag,
        actor=actor,
        case_code=case_code,
        outcome=outcome,
        detail=detail_text,
    )
    stage(session, lambda writing: write_chain_event(writing, key, event))
    return event


# The append as Core statements on the session's connection: the ORM's unit of work (identity
# map, flush planning, refreshing the head object) cost as much CPU as the statements
# themselves, all of it spent holding the chain's lock. On PostgreSQL the insert rides in the
# head's UPDATE as a data-modifying WITH, one round trip fewer inside the lock; SQLite has
# no such WITH and runs the two.
_LOCK_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID).with_for_update()
_INSERT_EVENT = insert(AuditEvent).values(
    {column.name: bindparam(column.name) for column in AuditEvent.__table__.columns}
)
_MOVE_HEAD = (
    update(AuditHead)
    .where(AuditHead.id == HEAD_ID)
    .values(seq=bindparam("seq"), hash=bindparam("hash"), hmac=bindparam("head_hmac"))
)
_INSERT_AND_MOVE_HEAD = _MOVE_HEAD.add_cte(_INSERT_EVENT.cte("appended"))


def write_chain_event(session: Session, key: bytes, event: AuditEvent) -> None:
    """Lock the head, append ``event`` after it and move the head, in the caller's
    transaction; ``event`` stays outside the session, with its place (``seq``, hashes) set."""
    loaded = session.identity_map.get(identity_key(AuditHead, HEAD_ID))
    if loaded is not None:
        session.flush()  # a head changed through the ORM (a day's sealing) is written first
    connection = session.connection()
    seq, prev_hash = connection.execute(_LOCK_HEAD).one()
    row = _linked_row(key, event, seq + 1, prev_hash)
    if connection.dialect.name == "postgresql":
        connection.execute(_INSERT_AND_MOVE_HEAD, row)
    else:
        connection.execute(_INSERT_EVENT, row)
        connection.execute(_MOVE_HEAD, row)
    if loaded is not None:
        session.expire(loaded)


def _linked_row(key: bytes, event: AuditEvent, seq: int, prev_hash: str) -> dict[str, object]:
    """Give ``event`` its place after ``prev_hash``; its row's values and the new head's HMAC."""
    head_hmac = _place(key, event, seq, prev_hash)
    return {
        "seq": seq,
        "occurred_at": event.occurred_at,
        "tag": event.tag,
        "actor": event.actor,
        "case_code": event.case_code,
        "outcome": event.outcome,
        "detail": event.detail,
        "prev_hash": prev_hash,
        "hash": event.hash,
        "hmac": event.hmac,
        "head_hmac": head_hmac,
    }


def count_events(session: Session) -> int:
    """Number of rows in the chain."""
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


# verify_chain reads plain column tuples: building ORM objects cost more than the hashing.
_CHAIN_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.occurred_at,
    AuditEvent.tag,
    AuditEvent.actor,
    AuditEvent.case_code,
    AuditEvent.outcome,
    AuditEvent.detail,
    AuditEvent.prev_hash,
    AuditEvent.hash,
    AuditEvent.hmac,
)
_ChainRow = tuple[int, datetime, str, str, str | None, str, str, str, str, str]


def _check_row(row: _ChainRow, key: bytes, expected_seq: int, prev_hash: str) -> str | None:
    seq, occurred_at, tag, actor, case_code, outcome, detail, row_prev, row_hash, mac = row
    if seq != expected_seq:
        return f"expected row {expected_seq} here, found row {seq} (deleted or reordered)"
    if row_prev != prev_hash:
        return "its link to the previous row is broken (a row before it changed or vanished)"
    canonical = canonical_row(seq, occurred_at, tag, actor, case_code, outcome, detail)
    if chain_hash(prev_hash, canonical) != row_hash:
        return "its content does not match its hash (edited)"
    if not hmac_lib.compare_digest(sign(key, row_hash), mac):
        return "its HMAC is wrong (written without the audit key)"
    return None


def _head_is_authentic(key: bytes, seq: int, head_hash: str, mac: str) -> bool:
    if seq == 0 and head_hash == GENESIS_HASH and mac == "":
        return True  # the migration's unsigned genesis head of an empty chain
    return hmac_lib.compare_digest(sign(key, _head_message(seq, head_hash)), mac)


# Rows a writer commits between the walk's read and the head's (PostgreSQL reads each
# statement's own snapshot) are read in another pass rather than reported as a truncation.
_CATCH_UP_PASSES = 3


def verify_chain(
    session: Session,
    key: bytes,
    progress: Callable[[int], None] | None = None,
    *,
    after: tuple[int, str] = (0, GENESIS_HASH),
) -> ChainReport:
    """Walk the chain in order from the row after ``after`` (``(seq, hash)`` of a row known
    good; the genesis by default, i.e. the whole chain) and report the first row that fails.
    ``rows_checked`` counts the rows read."""
    write_staged(session)  # the walk reads through Core, which the staging read hook misses
    last_seq, last_hash = after
    checked = 0
    signer = ChainSigner(key)
    for _ in range(_CATCH_UP_PASSES):
        walked = _walk(session, key, signer, last_seq, last_hash, progress)
        if isinstance(walked, ChainReport):
            return ChainReport(checked + walked.rows_checked, walked.first_bad_seq, walked.problem)
        count, last_seq, last_hash = walked
        checked += count
        head = _read_head(session)
        if head is None or head[0] <= last_seq:
            break
    if progress is not None:
        progress(checked % _PROGRESS_STEP)
    return _check_head(session, key, checked, last_seq, last_hash)


def _walk(
    session: Session,
    key: bytes,
    signer: ChainSigner,
    start_seq: int,
    prev_hash: str,
    progress: Callable[[int], None] | None,
) -> tuple[int, int, str] | ChainReport:
    """Check the rows after ``start_seq``: ``(rows, last seq, last hash)`` or the failure."""
    expected, checked = start_seq + 1, 0
    # Core rows through the session's connection (same transaction): no ORM loading step.
    rows = session.connection().execute(
        select(*_CHAIN_COLUMNS)
        .where(AuditEvent.seq > start_seq)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=5000)
    )
    for row in rows:
        seq, at, tag, actor, code, outcome, detail, row_prev, row_hash, mac = row
        # The same checks as _check_row, inline: this loop runs once per row of the chain.
        if (
            seq != expected
            or row_prev != prev_hash
            or chain_hash(prev_hash, canonical_row(seq, at, tag, actor, code, outcome, detail))
            != row_hash
            or not hmac_lib.compare_digest(signer(row_hash), mac)
        ):
            return ChainReport(checked, seq, _check_row(row, key, expected, prev_hash))
        expected, prev_hash, checked = expected + 1, row_hash, checked + 1
        if progress is not None and checked % _PROGRESS_STEP == 0:
            progress(_PROGRESS_STEP)
    return checked, expected - 1, prev_hash


def _read_head(session: Session) -> tuple[int, str, str] | None:
    """``(seq, hash, hmac)`` of the head as stored now (not a copy the session holds)."""
    row = session.execute(
        select(AuditHead.seq, AuditHead.hash, AuditHead.hmac).where(AuditHead.id == HEAD_ID)
    ).first()
    return (int(row[0]), str(row[1]), str(row[2])) if row is not None else None


def _check_head(
    session: Session, key: bytes, checked: int, last_seq: int, last_hash: str
) -> ChainReport:
    head = _read_head(session)
    if head is None:
        return ChainReport(checked, None, "the head row is missing")
    head_seq, head_hash, head_mac = head
    if not _head_is_authentic(key, head_seq, head_hash, head_mac):
        return ChainReport(checked, head_seq, "the head row was edited")
    if head_seq != last_seq or head_hash != last_hash:
        return ChainReport(
            checked,
            last_seq + 1,
            f"the head records {head_seq} rows but {last_seq} remain (truncated)",
        )
    return ChainReport(checked)


def export_rows(session: Session) -> Iterator[dict[str, object]]:
    """Every row in chain order, as JSON-ready dicts (what an auditor archives)."""
    rows = session.execute(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=5000)
    ).scalars()
    for row in rows:
        yield {
            "seq": row.seq,
            "occurred_at": _iso(row.occurred_at),
            "tag": row.tag,
            "actor": row.actor,
            "case_code": row.case_code,
            "outcome": row.outcome,
            "detail": row.detail,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
            "hmac": row.hmac,
        }


def chain_head(session: Session) -> tuple[int, str]:
    """``(seq, hash)`` of the newest row (``(0, genesis)`` for an empty chain)."""
    head = session.get(AuditHead, HEAD_ID)
    return (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)


def check_anchor(session: Session, anchor: str) -> str | None:
    """Why ``anchor`` (``HASH`` or ``SEQ:HASH``) is not in the chain, or None when it is.

    Call after :func:`verify_chain` succeeded: every row then links back to the genesis, so a
    row carrying the anchored hash proves that nothing up to it changed. A rewritten history
    (even one re-signed with the audit key) or a chain truncated before it has no such row."""
    seq_text, _, hash_text = anchor.strip().lower().rpartition(":")
    if not re.fullmatch(r"[0-9a-f]{64}", hash_text) or (seq_text and not seq_text.isdigit()):
        return "the anchor must be a 64-character hex hash, optionally prefixed by 'SEQ:'"
    row = session.scalar(select(AuditEvent).where(AuditEvent.hash == hash_text))
    if row is None:
        return "no row carries the anchored hash (history rewritten or truncated before it)"
    if seq_text and int(seq_text) != row.seq:
        return f"the anchored hash is at row {row.seq}, not at row {seq_text}"
    return None
