"""Audit verify: rows per second that ``verify_chain`` checks over a long chain on SQLite.

Seeding goes around ``record_event`` on purpose: a million appends through the service would
take an hour of head-row locking. The rows are computed the way the service computes them
(``canonical_row`` → ``chain_hash`` → ``sign``) and inserted in batches, the head row is
signed over the last link, and then ``verify_chain`` walks them exactly as
``sipadu audit verify`` does.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from sipadu import migrate
from sipadu.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from sipadu.audit.service import HEAD_ID, canonical_row, chain_hash, sign, verify_chain
from sipadu.db import make_engine

BATCH = 20_000
_TAGS = (
    "case:viewed",
    "case:status_changed",
    "message:sent",
    "attachment:downloaded",
    "staff:login",
    "grant:created",
)


@dataclass(frozen=True)
class AuditVerify:
    """How long seeding and verifying ``rows`` rows took."""

    rows: int
    seed_seconds: float
    verify_seconds: float
    ok: bool

    @property
    def rows_per_second(self) -> float:
        """Rows verified per second."""
        return self.rows / self.verify_seconds


def chained_rows(key: bytes, count: int) -> Iterator[dict[str, object]]:
    """``count`` valid, chained audit rows (varied tags, actors, codes and details)."""
    prev = GENESIS_HASH
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, count + 1):
        moment = start + timedelta(seconds=seq)
        tag = _TAGS[seq % len(_TAGS)]
        actor = "reporter" if seq % 7 == 0 else f"staff:{seq % 40 + 1}"
        code = f"SPD-{seq % 999_983:06d}" if seq % 5 else None
        detail = f'{{"n":{seq % 1000}}}'
        canonical = canonical_row(seq, moment, tag, actor, code, "success", detail)
        row_hash = chain_hash(prev, canonical)
        yield {
            "seq": seq,
            "occurred_at": moment,
            "tag": tag,
            "actor": actor,
            "case_code": code,
            "outcome": "success",
            "detail": detail,
            "prev_hash": prev,
            "hash": row_hash,
            "hmac": sign(key, row_hash),
        }
        prev = row_hash


def seed_chain(url: str, key: bytes, count: int) -> float:
    """Migrate an empty database and fill its chain with ``count`` rows; return seconds."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    last = {"seq": 0, "hash": GENESIS_HASH}
    with engine.begin() as connection:
        batch: list[dict[str, object]] = []
        for row in chained_rows(key, count):
            batch.append(row)
            if len(batch) == BATCH:
                connection.execute(insert(AuditEvent), batch)
                batch = []
            last = row
        if batch:
            connection.execute(insert(AuditEvent), batch)
        seq, head_hash = int(str(last["seq"])), str(last["hash"])
        connection.execute(
            update(AuditHead)
            .where(AuditHead.id == HEAD_ID)
            .values(seq=seq, hash=head_hash, hmac=sign(key, f"head|{seq}|{head_hash}"))
        )
    engine.dispose()
    return time.perf_counter() - started


def audit_verify(rows: int) -> AuditVerify:
    """Seed ``rows`` rows in a temporary SQLite file and time one full verification."""
    key = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory(prefix="sipadu-bench-audit-") as folder:
        url = f"sqlite:///{Path(folder) / 'audit.sqlite3'}"
        seed_seconds = seed_chain(url, key, rows)
        engine = make_engine(url)
        with Session(engine) as session:
            started = time.perf_counter()
            report = verify_chain(session, key)
            verify_seconds = time.perf_counter() - started
        engine.dispose()
    if report.rows_checked != rows:
        raise RuntimeError(f"verify_chain checked {report.rows_checked} of {rows} rows")
    return AuditVerify(rows, seed_seconds, verify_seconds, report.ok)
