"""Audit appends per second on PostgreSQL with 1, 2 and 4 writer processes, against the
machine's own ceiling for the same shape of work.

Every append locks the chain's one head row, so appends are serialised whatever the number
of writers: the ceiling is how many such transactions per second PostgreSQL commits one
after another (each commit waits for its WAL flush while the next writer waits for the row).
The baseline measures that ceiling in the same run, with the same processes: the statements
of an append written by hand (lock one hot row ``FOR UPDATE``, insert a row of the audit
row's size, update the hot row, commit), without SIPADU's hashing, signing or code. It writes
into a copy of ``audit_events`` with the same columns and indexes (``LIKE ... INCLUDING
ALL``): the indexes are part of what the disk must take for each event, whoever writes it.
The appends are ``record_event`` + commit, as a request does.

A second run gives each writer 10 ms of other work inside its transaction after the event
(what a request publishing a file does). Events wait for the commit
(``sipadu/audit/staging.py``), so that work runs outside the head lock and the writers
overlap; if it ran inside, four writers could never pass 100 appends per second.
"""

from __future__ import annotations

import multiprocessing
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Event

from sqlalchemy import text
from sqlalchemy.orm import Session

from sipadu import migrate
from sipadu.audit.service import record_event, verify_chain
from sipadu.db import make_engine

WRITERS = (1, 2, 4)
OTHER_WORK_SECONDS = 0.010
# Each rate is the best of this many runs, appends and baseline alternating which goes
# first: a commit waits for the disk, whose rate on a shared machine changes from second to
# second, and one run each let a disturbed second decide the ratio.
ROUNDS = 3


@dataclass(frozen=True)
class AppendRun:
    """Transactions per second of one shape of work with ``writers`` processes."""

    writers: int
    appends_per_second: float
    baseline_per_second: float

    @property
    def ratio(self) -> float:
        """Appends per second over the machine's serialised hot-row commit rate."""
        return self.appends_per_second / self.baseline_per_second


@dataclass(frozen=True)
class AppendResult:
    """Every run, the other-work run, and whether the chain verified afterwards."""

    runs: list[AppendRun]
    with_other_work: float
    other_work_writers: int
    chain_ok: bool


def _writer(
    url: str, schema: str, key: bytes, kind: str, seconds: float, start: Event, out: object
) -> None:
    engine = make_engine(url, schema)
    done = 0
    start.wait(timeout=60)
    deadline = time.perf_counter() + seconds
    with Session(engine) as session:
        while time.perf_counter() < deadline:
            if kind == "baseline":
                _raw_append(session)
            else:
                record_event(session, key, "case:viewed", actor="staff:1")
                if kind == "other_work":
                    time.sleep(OTHER_WORK_SECONDS)  # stands for a blob publish, SMTP, ...
            session.commit()
            done += 1
    engine.dispose()
    out.put(done)  # type: ignore[attr-defined]


def _raw_append(session: Session) -> None:
    """The statements of one append, hand-written: lock the head, insert, move the head."""
    head = session.execute(text("SELECT n FROM bench_hot_row WHERE id = 1 FOR UPDATE")).scalar_one()
    session.execute(_BASELINE_INSERT, _baseline_row(head + 1))
    session.execute(text("UPDATE bench_hot_row SET n = :n WHERE id = 1"), {"n": head + 1})


_BASELINE_INSERT = text(
    "INSERT INTO bench_rows (seq, occurred_at, tag, actor, case_code, outcome, detail,"
    " prev_hash, hash, hmac) VALUES (:seq, now(), 'case:viewed', 'staff:1', NULL, 'success',"
    " '{}', :prev_hash, :hash, :hmac)"
)


def _baseline_row(seq: int) -> dict[str, object]:
    """An audit row's values: three 64-character hex strings, the hash unique as in the chain."""
    return {
        "seq": seq,
        "prev_hash": secrets.token_hex(32),
        "hash": secrets.token_hex(32),
        "hmac": secrets.token_hex(32),
    }


def _rate(url: str, schema: str, key: bytes, kind: str, writers: int, seconds: float) -> float:
    context = multiprocessing.get_context("spawn")
    start, out = context.Event(), context.Queue()
    processes = [
        context.Process(target=_writer, args=(url, schema, key, kind, seconds, start, out))
        for _ in range(writers)
    ]
    for process in processes:
        process.start()
    time.sleep(1.0)  # let every process import and connect before the clock starts
    start.set()
    total: int = sum(int(out.get(timeout=seconds + 60)) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    return total / seconds


@contextmanager
def _schema(url: str) -> Iterator[str]:
    schema = f"bench_audit_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = make_engine(url, schema)
        migrate.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE bench_hot_row (id int PRIMARY KEY, n int)"))
            connection.execute(text("INSERT INTO bench_hot_row VALUES (1, 0)"))
            connection.execute(text("CREATE TABLE bench_rows (LIKE audit_events INCLUDING ALL)"))
        engine.dispose()
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _best_run(url: str, schema: str, key: bytes, writers: int, seconds: float) -> AppendRun:
    """The best of :data:`ROUNDS` interleaved runs of the baseline and of the appends."""
    rates: dict[str, list[float]] = {"baseline": [], "append": []}
    for number in range(ROUNDS):
        order = ("baseline", "append") if number % 2 == 0 else ("append", "baseline")
        for kind in order:
            rates[kind].append(_rate(url, schema, key, kind, writers, seconds))
    return AppendRun(writers, max(rates["append"]), max(rates["baseline"]))


def audit_appends(url: str, seconds: float) -> AppendResult:
    """Measure baseline and appends for each writer count, alternating, in one schema."""
    key = secrets.token_bytes(32)
    with _schema(url) as schema:
        runs = [_best_run(url, schema, key, writers, seconds) for writers in WRITERS]
        other = max(
            _rate(url, schema, key, "other_work", WRITERS[-1], seconds) for _ in range(ROUNDS)
        )
        engine = make_engine(url, schema)
        with Session(engine) as session:
            chain_ok = verify_chain(session, key).ok
        engine.dispose()
    return AppendResult(runs, other, WRITERS[-1], chain_ok)
