"""Audit events wait in their session until it commits, then join the chain in one short step.

Every writer of the chain locks its head row (and a reporter's event also the day queue's
count row). Taken at a request's first event, that lock would be held through everything the
request does afterwards — publishing blobs (an fsync; on S3 a round trip), SMTP, Argon2 —
and every other request that audits anything would queue behind it, on every app server.
So :func:`stage` keeps the event in the session and the ``before_commit`` hook writes all of
them at once: the head is locked only for those inserts and the commit itself. The action and
its record still commit or roll back together.

A statement that reads an audit table writes the staged events first, so a transaction still
sees its own events. A rolled-back transaction or savepoint drops the events staged inside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.util import find_tables

from sipadu.audit.models import AuditEvent, AuditHead, AuditQueueEntry, AuditQueueState
from sipadu.metrics import Metrics, record

_STAGED = "sipadu_audit_staged"
_AUDIT_TABLES = frozenset(
    model.__tablename__ for model in (AuditEvent, AuditHead, AuditQueueEntry, AuditQueueState)
)

Writer = Callable[[Session], None]


@dataclass(frozen=True)
class _Staged:
    transaction: SessionTransaction
    write: Writer
    timed: bool


def stage(session: Session, write: Writer, *, timed: bool = True) -> None:
    """Keep ``write`` (which appends one event) until the session's transaction commits.

    ``timed=False`` keeps the append out of the metrics: a reporter's event must not be
    counted, or a scrape would date what the reporter did (their events are day-only)."""
    session.connection()  # begins the transaction the event belongs to, as a write would
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:  # pragma: no cover - connection() always leaves one open
        raise RuntimeError("no transaction to stage an audit event in")
    session.info.setdefault(_STAGED, []).append(_Staged(transaction, write, timed))


def staged_count(session: Session) -> int:
    """How many events wait for this session's commit."""
    return len(session.info.get(_STAGED, ()))


def write_staged(session: Session) -> None:
    """Write the waiting events now, in the order they were staged (under the head lock)."""
    staged: list[_Staged] = session.info.pop(_STAGED, [])
    if not staged:
        return
    started = time.perf_counter()
    for entry in staged:
        entry.write(session)
    session.flush()
    timed = sum(1 for entry in staged if entry.timed)
    if timed:
        # Per event: lock wait, inserts and the head's update, shared by the session's events.
        share = (time.perf_counter() - started) / len(staged)
        record(lambda found: _observe_appends(found, share, timed))


def _observe_appends(found: Metrics, seconds: float, count: int) -> None:
    for _ in range(count):
        found.audit_append_seconds.observe(seconds)


def _inside(transaction: SessionTransaction, ended: SessionTransaction) -> bool:
    current: SessionTransaction | None = transaction
    while current is not None:
        if current is ended:
            return True
        current = current.parent
    return False


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    # A savepoint's release fires this hook too; its events wait for the outer commit.
    if not session.in_nested_transaction():
        write_staged(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    staged: list[_Staged] | None = session.info.get(_STAGED)
    if staged:
        kept = [entry for entry in staged if not _inside(entry.transaction, previous_transaction)]
        if kept:
            session.info[_STAGED] = kept
        else:
            session.info.pop(_STAGED, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_unwritten(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without its commit writing them (rolled back, closed).
    if transaction.parent is None:
        session.info.pop(_STAGED, None)


@event.listens_for(Session, "do_orm_execute")
def _write_before_audit_read(state: ORMExecuteState) -> None:
    if _STAGED not in state.session.info:
        return
    statement = state.statement
    if not isinstance(statement, ClauseElement):  # pragma: no cover - every ORM statement is one
        return
    tables = find_tables(statement, check_columns=True, include_crud=True)
    if any(table.name in _AUDIT_TABLES for table in tables):
        write_staged(state.session)
