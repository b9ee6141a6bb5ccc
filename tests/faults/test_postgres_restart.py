"""PostgreSQL restarted under traffic, for real.

A throwaway PostgreSQL cluster (``tests/faults/pgcluster.py``) serves a real ``sipadu serve
--workers 2``. Reporter threads file reports through the JSON API while the test stops
PostgreSQL, keeps it down for a few seconds and starts it again. Every answer is a success or
the clear bilingual 503 with ``Retry-After``; the server recovers without being restarted;
every acknowledged report opens with its key and holds its text; the log holds no traceback
and no report text; the audit chain verifies.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest

from sipadu.app import create_app
from sipadu.app_context import current_settings
from sipadu.cases.content import read_report
from sipadu.db import db_session
from sipadu.reporting.reporter_access import open_case_with_key
from sipadu.settings import settings_from_env
from tests.faults.pgcluster import PgCluster, pg_cluster
from tests.faults.test_database_outage import EN_TEXT, ID_TEXT
from tests.support.cli import run_sipadu
from tests.support.instance import Database
from tests.support.live import LiveServer as Server
from tests.support.live import http_get, running_instance

pytestmark = pytest.mark.slow

REPORTERS = 3
MAX_REPORTS_PER_REPORTER = 80
RUN_SECONDS = 150  # the reporters stop by themselves after this, whatever happens
CLIENT_TIMEOUT_SECONDS = 30
OUTAGE_HOLD_SECONDS = 4
WAIT_SECONDS = 60
OUTAGE_TEXTS = {"id": ID_TEXT, "en": EN_TEXT}


@dataclass(frozen=True)
class Outcome:
    """One submission as the reporter saw it (status 0: no HTTP answer at all)."""

    text: str
    locale: str
    sent: float
    done: float
    status: int
    body: dict[str, object]
    retry_after: str | None = None
    failure: str | None = None

    @property
    def marker(self) -> str:
        """The part of the text no other report shares (reporter, number, random)."""
        return self.text.split(": ")[0]


@dataclass
class Traffic:
    """Reporter threads filing reports until told to stop (or their bounds are reached)."""

    server: Server
    outcomes: list[Outcome] = field(default_factory=list)
    halt: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _submit(self, text: str, locale: str) -> Outcome:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.server.url + "/api/v1/reports",
            method="POST",
            data=json.dumps({"category": "pungli", "what": text}).encode(),
            headers={"Content-Type": "application/json", "Cookie": f"sipadu_lang={locale}"},
        )
        sent = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT_SECONDS) as answer:  # noqa: S310
                status, raw, retry = int(answer.status), answer.read(), None
        except urllib.error.HTTPError as error:
            status, raw, retry = int(error.code), error.read(), error.headers.get("Retry-After")
        except OSError as error:  # refused, reset, timed out: the server failed to answer
            return Outcome(text, locale, sent, time.monotonic(), 0, {}, failure=repr(error))
        try:
            body = json.loads(raw)
        except ValueError:
            return Outcome(
                text,
                locale,
                sent,
                time.monotonic(),
                status,
                {},
                retry,
                failure="the answer is not JSON",
            )
        return Outcome(text, locale, sent, time.monotonic(), status, body, retry)

    def reporter(self, number: int) -> None:
        """One reporter's loop, bounded in count and time."""
        locale = ("id", "en")[number % 2]
        end = time.monotonic() + RUN_SECONDS
        for count in range(MAX_REPORTS_PER_REPORTER):
            if self.halt.is_set() or time.monotonic() > end:
                return
            text = f"Laporan uji {number}-{count} {secrets.token_hex(6)}: pungutan di loket."
            try:
                outcome = self._submit(text, locale)
            except Exception as error:  # kept, so the test fails on it instead of losing it
                outcome = Outcome(text, locale, 0.0, 0.0, 0, {}, failure=repr(error))
            with self.lock:
                self.outcomes.append(outcome)
            self.halt.wait(0.1 if outcome.status == 201 else 0.3)

    def count(self, predicate: Callable[[Outcome], bool]) -> int:
        """How many outcomes so far match."""
        with self.lock:
            return sum(1 for outcome in self.outcomes if predicate(outcome))

    def wait_for(self, predicate: Callable[[Outcome], bool], what: str) -> None:
        """Block until an outcome matches (bounded)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not self.count(predicate):
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.1)

    def wait_for_each_reporter(self, since: float, when: str) -> None:
        """Block until every reporter had a report acknowledged that it sent after ``since``."""
        for number in range(REPORTERS):
            self.wait_for(
                partial(_acknowledged, number, since), f"reporter {number} to succeed {when}"
            )


def _acknowledged(reporter: int, since: float, outcome: Outcome) -> bool:
    return (
        outcome.status == 201
        and outcome.sent >= since
        and outcome.text.startswith(f"Laporan uji {reporter}-")
    )


@contextmanager
def reporters_running(server: Server) -> Iterator[Traffic]:
    """Reporters file reports while the block runs; all of them have stopped when it ends."""
    traffic = Traffic(server)
    threads = [
        threading.Thread(target=traffic.reporter, args=(n,), daemon=True) for n in range(REPORTERS)
    ]
    for thread in threads:
        thread.start()
    try:
        yield traffic
    finally:
        traffic.halt.set()
        for thread in threads:
            thread.join(CLIENT_TIMEOUT_SECONDS + 10)
    assert not any(thread.is_alive() for thread in threads), "a reporter hung"


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    with pg_cluster() as running:
        yield running


@pytest.fixture
def server(tmp_path: Path, cluster: PgCluster) -> Iterator[Server]:
    with running_instance(
        tmp_path,
        Database("postgresql", cluster.url),
        extra_env={"SIPADU_RATE_LIMITS_ENABLED": "false"},
        supervisor=True,
    ) as running:
        yield running


def _assert_clear_answers(outcomes: list[Outcome]) -> None:
    """Every answer a success, or the outage 503 in the reporter's language."""
    for outcome in outcomes:
        assert outcome.failure is None, f"no proper answer: {outcome.failure}"
        assert outcome.status in (201, 503), (outcome.status, outcome.body)
        if outcome.status == 201:
            assert str(outcome.body["case_key"]).startswith(str(outcome.body["case_code"]))
            continue
        assert outcome.retry_after is not None and outcome.retry_after.isdigit()
        error = outcome.body["error"]
        assert isinstance(error, dict) and error["code"] == "unavailable"
        assert OUTAGE_TEXTS[outcome.locale] in error["message"]


def _assert_reports_open(server: Server, acknowledged: list[Outcome]) -> None:
    """Each acknowledged report opens through the reporter API, and holds its own text."""
    for outcome in acknowledged:
        key, code = str(outcome.body["case_key"]), outcome.body["case_code"]
        status, body = http_get(
            server.url + "/api/v1/case", {"Authorization": f"CaseKey {key}"}, CLIENT_TIMEOUT_SECONDS
        )
        assert status == 200 and json.loads(body)["case_code"] == code
    app = create_app(settings_from_env(server.env))
    try:
        with app.app_context():
            settings = current_settings()
            assert settings.keyring is not None
            for outcome in acknowledged:
                opened = open_case_with_key(
                    db_session(),
                    str(outcome.body["case_key"]),
                    params=settings.argon2,
                    audit_key=settings.keyring.audit_hmac_key,
                    client=None,
                )
                assert read_report(opened.case, opened.dek)["what"] == outcome.text
            db_session().rollback()
    finally:
        app.extensions["sipadu.engine"].dispose()


def _assert_quiet_log(server: Server, outcomes: list[Outcome]) -> None:
    """The outage is logged by type, reporters' requests not at all; no traceback, no hung
    worker, no report text."""
    log = server.log_text()
    assert "database unavailable" in log and "on GET /" in log
    for path in ("/laporan", "/api/v1/reports", "/api/v1/case"):
        assert path not in log
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log
    leaked = [o.text for o in outcomes if o.marker in log]
    assert not leaked, f"report text in the server log: {leaked[:3]}"


@pytest.mark.parametrize("stop_mode", ["fast", "immediate"])
def test_postgres_restart_under_traffic(server: Server, cluster: PgCluster, stop_mode: str) -> None:
    """``fast`` is a service restart; ``immediate`` a crash, recovered from the WAL."""
    with reporters_running(server) as traffic:
        traffic.wait_for_each_reporter(since=0.0, when="before the outage")
        cluster.stop(stop_mode)
        down = time.monotonic()
        traffic.wait_for(lambda o: o.status == 503 and o.sent >= down, "a 503 in the outage")
        # A public page, not a reporter's action: the outage it meets is logged (the
        # reporters' own requests leave no line, their time would date a submission).
        assert http_get(server.url + "/")[0] == 503
        time.sleep(OUTAGE_HOLD_SECONDS)
        starting = time.monotonic()
        cluster.start()
        up = time.monotonic()
        traffic.wait_for_each_reporter(since=up, when="after the restart")

    outcomes = traffic.outcomes
    _assert_clear_answers(outcomes)
    assert any(o.status == 503 and o.sent >= down and o.done <= starting for o in outcomes)
    acknowledged = [o for o in outcomes if o.status == 201]
    assert any(o.done < down for o in acknowledged), "nothing acknowledged before the outage"
    _assert_reports_open(server, acknowledged)
    _assert_quiet_log(server, outcomes)
    verified = run_sipadu(server.env, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
