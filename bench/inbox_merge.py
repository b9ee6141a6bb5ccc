"""Merging the inbox bench's seeded parts into one SQLite database, and spreading the cases'
statuses and dates (see ``bench/inbox_seed.py`` for why both are done and what they change).
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sipadu.audit.service import _head_message, canonical_row, chain_hash, sign
from sipadu.cases.statuses import CLOSED, Status

SPAN_DAYS = 730
# Tables submit_report writes, with the columns that hold ids of rows being copied.
_CASE_TABLES = {
    "case_grants": ("id",),
    "timeline_entries": ("id",),
    "pending_notifications": ("id",),
}
_AUDIT_COLUMNS = ("occurred_at", "tag", "actor", "case_code", "outcome", "detail")


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f"PRAGMA main.table_info({table})")]


def _offset(connection: sqlite3.Connection, table: str) -> int:
    return int(
        connection.execute(f"SELECT coalesce(max(id), 0) FROM main.{table}").fetchone()[0]  # noqa: S608
    )


def _copy(connection: sqlite3.Connection, table: str, shifts: dict[str, int], where: str) -> None:
    """Copy ``part.table`` into ``main.table`` with id columns shifted (fixed table and
    column names from this module, never input)."""
    columns = _columns(connection, table)
    chosen = [f"{name} + {shifts[name]}" if name in shifts else name for name in columns]
    connection.execute(
        f"INSERT INTO main.{table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(chosen)} FROM part.{table} WHERE {where}"
    )


def _merge_part(connection: sqlite3.Connection, base_seq: int) -> list[tuple[object, ...]]:
    """Copy one attached part's cases and their rows; return its new audit rows."""
    connection.execute("DROP TABLE IF EXISTS temp.dropped")
    # Codes another part drew as well: that part's case stays, this one's is left out.
    connection.execute(
        "CREATE TEMP TABLE dropped AS SELECT id, code FROM part.cases "
        "WHERE code IN (SELECT code FROM main.cases)"
    )
    case_shift = _offset(connection, "cases")
    shifts = {name: _offset(connection, name) for name in _CASE_TABLES}
    _copy(connection, "cases", {"id": case_shift}, "id NOT IN (SELECT id FROM temp.dropped)")
    for table in ("case_grants", "timeline_entries"):
        _copy(
            connection,
            table,
            {"id": shifts[table], "case_id": case_shift},
            "case_id NOT IN (SELECT id FROM temp.dropped)",
        )
    _copy(connection, "pending_notifications", {"id": shifts["pending_notifications"]}, "1 = 1")
    return connection.execute(
        f"SELECT {', '.join(_AUDIT_COLUMNS)} FROM part.audit_events "  # noqa: S608
        "WHERE seq > ? AND (case_code IS NULL OR case_code NOT IN "
        "(SELECT code FROM temp.dropped)) ORDER BY seq",
        (base_seq,),
    ).fetchall()


def _append_chain(
    connection: sqlite3.Connection, rows: list[tuple[object, ...]], key: bytes
) -> None:
    """Append audit rows (their content as recorded) to the chain and move its head."""
    seq, head_hash = connection.execute("SELECT seq, hash FROM main.audit_head").fetchone()
    linked = []
    for occurred_at, tag, actor, case_code, outcome, detail in rows:
        seq += 1
        moment = datetime.fromisoformat(str(occurred_at))
        code = None if case_code is None else str(case_code)
        row_hash = chain_hash(
            head_hash,
            canonical_row(seq, moment, str(tag), str(actor), code, str(outcome), str(detail)),
        )
        linked.append(
            (
                seq,
                occurred_at,
                tag,
                actor,
                case_code,
                outcome,
                detail,
                head_hash,
                row_hash,
                sign(key, row_hash),
            )
        )
        head_hash = row_hash
    connection.executemany(
        "INSERT INTO main.audit_events (seq, occurred_at, tag, actor, case_code, outcome, "
        "detail, prev_hash, hash, hmac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        linked,
    )
    connection.execute(
        "UPDATE main.audit_head SET seq = ?, hash = ?, hmac = ?",
        (seq, head_hash, sign(key, _head_message(seq, head_hash))),
    )


def merge_parts(database: Path, parts: list[Path], audit_key: bytes) -> None:
    """Append every part's cases (and their rows) to ``database``, which holds the first
    part; all parts start from the same initialised database."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        base_seq = int(
            connection.execute(
                "SELECT min(seq) - 1 FROM audit_events WHERE tag = 'case:submitted'"
            ).fetchone()[0]
            or 0
        )
        for part in parts:
            connection.execute("ATTACH DATABASE ? AS part", (str(part),))
            connection.execute("BEGIN")
            rows = _merge_part(connection, base_seq)
            _append_chain(connection, rows, audit_key)
            connection.execute("COMMIT")
            connection.execute("DETACH DATABASE part")
    finally:
        connection.close()


def _dates(rng: random.Random, today: date) -> tuple[str, dict[str, str | None]]:
    received = today - timedelta(days=rng.randrange(SPAN_DAYS))
    status = rng.choice(list(Status))
    later = (received + timedelta(days=rng.randrange(1, 30))).isoformat()
    return status.value, {
        "received_on": received.isoformat(),
        "acknowledged_on": None if status is Status.DITERIMA else later,
        "decided_on": None if status in (Status.DITERIMA, Status.VERIFIKASI) else later,
        "last_feedback_on": later if rng.random() < 0.5 else None,
        "closed_on": later if status in CLOSED else None,
    }


def spread_metadata(database: Path, seed_value: int) -> int:
    """Give every case a random status and days within the last two years (direct UPDATEs
    of the metadata columns); returns the number of cases."""
    rng = random.Random(seed_value)  # noqa: S311  (reproducible metadata, not secrets)
    today = datetime.now(UTC).date()
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        ids = [row[0] for row in connection.execute("SELECT id FROM cases ORDER BY id")]
        updates = []
        for case_id in ids:
            status, days = _dates(rng, today)
            updates.append((status, f"Dinas {rng.randrange(60)}", *days.values(), case_id))
        connection.execute("BEGIN")
        connection.executemany(
            "UPDATE cases SET status = ?, unit = ?, received_on = ?, acknowledged_on = ?, "
            "decided_on = ?, last_feedback_on = ?, closed_on = ? WHERE id = ?",
            updates,
        )
        connection.execute("COMMIT")
        # No ANALYZE: SIPADU never runs it on SQLite, so the planner works as it would there.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return len(ids)
