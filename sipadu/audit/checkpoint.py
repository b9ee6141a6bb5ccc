"""Incremental verification for the auditor console.

Walking the whole chain on every page view grows with the log (half a second at 2,500 rows
on a small machine). The console instead keeps a checkpoint — the ``seq`` and ``hash`` of the
newest row it found intact, signed with the audit key — and verifies only the rows after it:
they must link to the checkpointed hash, and the head must match the last of them.

What this gives up: a row at or before the checkpoint edited later (by someone holding the
database and the audit key, or anyone re-linking rows) is not re-read on each view. The full
walk, ``sipadu audit verify``, run daily from a timer and before every restore, catches it.
A checkpoint whose HMAC is wrong, or whose row no longer carries its hash, is not trusted: the
view then verifies the whole chain and says so.
"""

from __future__ import annotations

import hmac as hmac_lib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent
from sipadu.audit.service import ChainReport, sign, verify_chain

CHECKPOINT_ID = 1


@dataclass(frozen=True)
class IncrementalReport:
    """A verification from the checkpoint: its result, where it started, and whether the
    stored checkpoint had to be distrusted (forged or pointing at a changed row)."""

    chain: ChainReport
    after_seq: int
    checkpoint_distrusted: bool = False


def _message(seq: int, row_hash: str) -> str:
    return f"checkpoint|{seq}|{row_hash}"


def _trusted_start(session: Session, key: bytes) -> tuple[tuple[int, str], bool]:
    """``((seq, hash), distrusted)``: where to start, and whether a stored one was refused."""
    stored = session.get(AuditCheckpoint, CHECKPOINT_ID)
    if stored is None or (stored.seq, stored.hash, stored.hmac) == (0, GENESIS_HASH, ""):
        return (0, GENESIS_HASH), stored is None  # the migration seeds an unsigned genesis
    signed = hmac_lib.compare_digest(sign(key, _message(stored.seq, stored.hash)), stored.hmac)
    row_hash = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == stored.seq))
    if not signed or row_hash != stored.hash:
        return (0, GENESIS_HASH), True
    return (stored.seq, stored.hash), False


def _store(session: Session, key: bytes, seq: int, row_hash: str) -> None:
    stored = session.get(AuditCheckpoint, CHECKPOINT_ID)
    if stored is None:
        stored = AuditCheckpoint(id=CHECKPOINT_ID)
        session.add(stored)
    stored.seq, stored.hash, stored.hmac = seq, row_hash, sign(key, _message(seq, row_hash))


def verify_since_checkpoint(session: Session, key: bytes) -> IncrementalReport:
    """Verify the rows after the checkpoint and, when they are intact, move the checkpoint
    to the newest row (in the caller's transaction; the caller commits)."""
    start, distrusted = _trusted_start(session, key)
    report = verify_chain(session, key, after=start)
    if report.ok:
        last_seq = start[0] + report.rows_checked
        last_hash = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == last_seq))
        if last_hash is not None and (last_seq, last_hash) != start:
            _store(session, key, last_seq, last_hash)
    return IncrementalReport(report, start[0], distrusted)
