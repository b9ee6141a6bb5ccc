"""Inbox at scale: a supervisor's inbox pages over many service-made cases, served by
``sipadu serve`` (gunicorn, one sync worker) on 127.0.0.1, on SQLite and on PostgreSQL.

The cases come from ``bench/inbox_seed.py`` (filed through the reporting service, cached);
PostgreSQL gets a copy of the same rows in a fresh schema (``bench/inbox_pg.py``). The
supervisor holds a grant on every case and signs in through the session service (an API
token, what ``POST /api/v1/staff/sessions`` gives).

**Server time** is the ``Server-Timing: app;dur=…`` header, which the bench's instance alone
turns on (``SIPADU_SERVER_TIMING``): from the request reaching the Flask app to its status
line (auth, session lookup, both inbox queries, JSON), without gunicorn's parsing, the
network or the client. The client's round trip over loopback is reported beside it.
"""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import inbox_pg, inbox_seed
from bench.live_instance import LiveInstance
from tests.support.instance import Database

PAGES = (
    ("first", "API: first inbox page", "/api/v1/staff/cases"),
    ("overdue", "API: overdue filter", "/api/v1/staff/cases?due=overdue"),
    (
        "status",
        "API: status filter, oldest first",
        "/api/v1/staff/cases?status=verifikasi&sort=received_asc",
    ),
)
WARM_UP = 3
REQUEST_TIMEOUT = 60.0


class InboxBenchError(RuntimeError):
    """The served inbox answered something other than a page of cases."""


@dataclass(frozen=True)
class PageTiming:
    """Server and round-trip times (seconds) of repeated requests for one page."""

    slug: str
    label: str
    path: str
    server: list[float]
    round_trip: list[float]
    rows: int
    total: int
    total_is_exact: bool

    @staticmethod
    def p95(times: list[float]) -> float:
        """95th percentile (inclusive method; with 20 samples, between the 19th and 20th)."""
        return statistics.quantiles(times, n=20, method="inclusive")[-1]


@dataclass(frozen=True)
class InboxRun:
    """What one database's run measured."""

    backend: str
    cases: int
    pages: list[PageTiming]


def _get(port: int, path: str, token: str) -> tuple[float, float, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise InboxBenchError(f"GET {path} answered {response.status}")
    timing = response.getheader("Server-Timing") or ""
    if not timing.startswith("app;dur="):
        raise InboxBenchError("the bench instance sent no Server-Timing header")
    return float(timing.removeprefix("app;dur=")) / 1000, elapsed, json.loads(body)


def time_pages(instance: LiveInstance, requests: int) -> list[PageTiming]:
    """``requests`` timed GETs per page, after ``WARM_UP`` untimed ones."""
    timings = []
    for slug, label, path in PAGES:
        for _ in range(WARM_UP):
            _get(instance.port, path, instance.token)
        server, round_trip = [], []
        for _ in range(requests):
            inside, outside, page = _get(instance.port, path, instance.token)
            server.append(inside)
            round_trip.append(outside)
        cases = page["cases"]
        assert isinstance(cases, list)  # noqa: S101
        timings.append(
            PageTiming(
                slug,
                label,
                path,
                server,
                round_trip,
                len(cases),
                int(str(page["total"])),
                bool(page["total_is_exact"]),
            )
        )
    return timings


@contextmanager
def _served(seeded: inbox_seed.SeededInstance, database: Database | None) -> Iterator[LiveInstance]:
    """``sipadu serve`` over the seeded data in a temporary folder (the cache stays as it
    is: signing in and serving write sessions and audit rows)."""
    with tempfile.TemporaryDirectory(prefix="sipadu-bench-inbox-") as folder:
        root = Path(folder)
        shutil.copytree(seeded.root / "keys", root / "keys")
        if database is None:
            shutil.copyfile(seeded.database, root / "sipadu.sqlite3")
        with LiveInstance(
            root, database=database, login=seeded.login, env={"SIPADU_SERVER_TIMING": "true"}
        ) as instance:
            yield instance


def inbox_runs(
    cases: int, requests: int, cache_root: Path, postgres_url: str | None
) -> tuple[inbox_seed.SeededInstance, list[InboxRun]]:
    """Seed (or reuse) ``cases`` cases and time the pages on SQLite, then on PostgreSQL when
    ``postgres_url`` is given."""
    seeded = inbox_seed.seeded_instance(cases, cache_root)
    runs = []
    with _served(seeded, None) as instance:
        runs.append(InboxRun("SQLite", seeded.cases, time_pages(instance, requests)))
    if postgres_url:
        with (
            inbox_pg.postgres_copy(seeded.database, postgres_url) as database,
            _served(seeded, database) as instance,
        ):
            runs.append(InboxRun("PostgreSQL", seeded.cases, time_pages(instance, requests)))
    return seeded, runs
