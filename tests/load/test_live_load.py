"""Many reporters and staff at once against a real server: nothing acknowledged is lost.

A fresh instance (``sipadu init``) on SQLite and on PostgreSQL is served by ``sipadu serve``
(gunicorn, two sync workers, the production Argon2 parameters) on 127.0.0.1. Ten reporters
file reports through the JSON API, the multipart API and the HTML form, then follow up with
their case keys (messages, evidence as multipart and as a whole body, reading the case); a
supervisor and two investigators signed in through the API triage, assign, write, add
internal notes, change status and download evidence at the same time.

Rate limits stay on. Each simulated person has an address of their own, sent as
``X-Forwarded-For`` through one trusted proxy hop, as behind the reverse proxy of a real
deployment. Afterwards a checker (a different address per case, so its reading is not what
the limits count) verifies that no request got a 5xx or no answer, that every acknowledged
report opens with its key and decrypts to what was sent, that every acknowledged message and
file is there — and nothing unacknowledged is — with matching SHA-256, that internal notes
never reach the reporter, that ``sipadu audit verify`` passes, and that the server log holds
no traceback, no content, no case key, no reporter address and no line for a reporter's
request.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.load.crowd import FiledCase, Reporter, sha256
from tests.load.staffcrowd import StaffMember, StaffMessage
from tests.load.wire import Client, Ledger
from tests.support.cli import init_instance, run_sipadu
from tests.support.instance import Database, free_port, instance_env
from tests.support.live import LiveServer, serving
from tests.support.staff import Enrolled, enrol_staff

pytestmark = pytest.mark.slow

REPORTERS = 10
# Two follow-up rounds are the fewest that still send every kind of request: round 0 a message
# and a multipart upload, round 1 a message, a whole-body upload and a read of the case.
ROUNDS = 2
WORKERS = 2
LOAD_SECONDS = 150.0  # a hard bound: reporters start no step after it
FINAL_PASS_SECONDS = 90.0  # staff may finish their last pass over the inbox
REPORTER_NET = "10.77.0."
STAFF_NET = "10.78.0."


@dataclass
class Crowd:
    """Who took part and what the server acknowledged to them."""

    reporters: list[Reporter]
    staff: list[StaffMember]
    ledger: Ledger

    @property
    def filed(self) -> list[FiledCase]:
        return [r.filed for r in self.reporters if r.filed is not None]

    @property
    def supervisor(self) -> StaffMember:
        return self.staff[0]

    def staff_messages(self, code: str) -> list[StaffMessage]:
        return [m for s in self.staff for m in s.work.messages if m.code == code]

    def sent_texts(self) -> list[str]:
        return [t for r in self.reporters for t in r.sent_texts] + [
            t for s in self.staff for t in s.work.sent_texts
        ]


def _people(
    server: LiveServer, ledger: Ledger, staff_accounts: list[Enrolled]
) -> tuple[list[Reporter], list[StaffMember]]:
    supervisor, *investigators = staff_accounts
    deadline = time.monotonic() + LOAD_SECONDS
    reporters = [
        Reporter(
            n,
            Client(server.url, f"{REPORTER_NET}{n + 10}", ledger, f"reporter-{n}", cookies=True),
            rounds=ROUNDS,
            deadline=deadline,
            seed=n,
        )
        for n in range(REPORTERS)
    ]
    staff = [
        StaffMember(
            supervisor,
            "supervisor",
            Client(server.url, f"{STAFF_NET}1", ledger, "supervisor"),
            investigators=tuple(p.username for p in investigators),
        )
    ]
    staff += [
        StaffMember(
            p,
            "investigator",
            Client(server.url, f"{STAFF_NET}{n + 2}", ledger, f"investigator-{n}"),
        )
        for n, p in enumerate(investigators)
    ]
    return reporters, staff


def _run_crowd(server: LiveServer, staff_accounts: list[Enrolled]) -> Crowd:
    """Everyone at once; the supervisor stops after the reporters, the investigators after
    the supervisor, each with a last pass over their inbox."""
    ledger = Ledger()
    reporters, staff = _people(server, ledger, staff_accounts)
    reporters_done, triage_done = threading.Event(), threading.Event()
    staff_deadline = time.monotonic() + LOAD_SECONDS + FINAL_PASS_SECONDS
    staff_threads = [
        threading.Thread(target=staff[0].run, args=(reporters_done, staff_deadline, triage_done))
    ]
    staff_threads += [
        threading.Thread(target=s.run, args=(triage_done, staff_deadline)) for s in staff[1:]
    ]
    reporter_threads = [threading.Thread(target=r.run) for r in reporters]
    for thread in staff_threads + reporter_threads:
        thread.start()
    for thread in reporter_threads:
        thread.join(timeout=LOAD_SECONDS + 60)
    reporters_done.set()
    for thread in staff_threads:
        thread.join(timeout=FINAL_PASS_SECONDS + 60)
    assert not any(t.is_alive() for t in staff_threads + reporter_threads), "a person hung"
    return Crowd(reporters, staff, ledger)


def _checker(server: LiveServer, crowd: Crowd, number: int) -> Client:
    return Client(server.url, f"10.79.0.{number + 1}", crowd.ledger, "checker")


def _check_reporter_view(client: Client, filed: FiledCase, staff: list[StaffMessage]) -> str:
    """The reporter's view holds exactly what was acknowledged; returns the case status."""
    answer = client.get("/api/v1/case", route="GET /api/v1/case", headers=filed.auth)
    assert answer.status == 200, (filed.code, answer.status, answer.text[:300])
    view = answer.json()
    mine = [m["body"] for m in view["messages"] if m["from"] == "reporter"]
    theirs = [m["body"] for m in view["messages"] if m["from"] == "inspektorat"]
    assert Counter(mine) == Counter(filed.messages), filed.code
    assert Counter(theirs) == Counter(m.body for m in staff if not m.internal), filed.code
    assert not [m.body for m in staff if m.internal and m.body in answer.text], (
        "an internal note reached the reporter"
    )
    assert sorted(a["filename"] for a in view["attachments"]) == sorted(filed.files)
    return str(view["status"])


def _check_staff_view(
    client: Client, token: str, filed: FiledCase, staff: list[StaffMessage]
) -> str:
    """The staff view decrypts to what was sent and every file downloads intact; returns
    the case status."""
    bearer = {"Authorization": f"Bearer {token}"}
    answer = client.get(
        f"/api/v1/staff/cases/{filed.code}", route="GET /api/v1/staff/cases/C", headers=bearer
    )
    assert answer.status == 200, (filed.code, answer.status, answer.text[:300])
    case = answer.json()
    assert {key: case["report"].get(key) for key in filed.report} == filed.report
    assert Counter(m["body"] for m in case["messages"]) == Counter(
        filed.messages + [m.body for m in staff]
    ), filed.code
    listed = {a["filename"]: a["id"] for a in case["attachments"]}
    assert sorted(listed) == sorted(filed.files), filed.code
    for name, digest in filed.files.items():
        download = client.get(
            f"/api/v1/staff/cases/{filed.code}/attachments/{listed[name]}",
            route="GET /api/v1/staff/cases/C/attachments/A",
            headers=bearer,
        )
        assert download.status == 200, (filed.code, name, download.status)
        assert sha256(download.body) == digest, (filed.code, name)
    return str(case["status"])


def _check_everything_stored(server: LiveServer, crowd: Crowd) -> None:
    token = crowd.supervisor.token
    assert token, "the supervisor could not sign in"
    for number, filed in enumerate(crowd.filed):
        client = _checker(server, crowd, number)
        staff = crowd.staff_messages(filed.code)
        seen_by_reporter = _check_reporter_view(client, filed, staff)
        assert _check_staff_view(client, token, filed, staff) == seen_by_reporter
    inbox = _checker(server, crowd, len(crowd.filed)).get(
        "/api/v1/staff/cases",
        route="GET /api/v1/staff/cases",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert inbox.status == 200
    assert inbox.json()["total"] == len(crowd.filed), "a case nobody was told about"


def _check_downloads_during_load(crowd: Crowd) -> None:
    acknowledged = {(f.code, name): digest for f in crowd.filed for name, digest in f.files.items()}
    downloads = [d for s in crowd.staff for d in s.work.downloads]
    assert downloads, "no investigator downloaded evidence during the load"
    assert [d for d in downloads if acknowledged.get((d[0], d[1])) != d[2]] == []


def _check_log(server: LiveServer, crowd: Crowd) -> None:
    log = server.log_text()
    # The access log is there for staff requests (so the checks below read something) and
    # agrees: no 5xx. A reporter's request leaves no line: its time would date it.
    assert re.search(r'^"[A-Z]+ /api/v1/staff/', log, re.MULTILINE), "no staff access line"
    assert not re.search(
        r'^"[A-Z]+ /(laporan|kasus|api/v1/reports|api/v1/case)', log, re.MULTILINE
    ), "a reporter's request in the access log"
    assert re.findall(r'^"[A-Z]+ [^"]*" 5\d\d ', log, re.MULTILINE) == []
    assert "Traceback" not in log
    assert [t for t in crowd.sent_texts() if t in log] == [], "content in the server log"
    assert [f.code for f in crowd.filed if f.key in log] == [], "a case key in the server log"
    assert REPORTER_NET not in log, "a reporter address in the server log"


def _check_load_happened(crowd: Crowd) -> None:
    """The run did what it claims (every reporter filed and followed up, staff worked)."""
    assert len(crowd.filed) == REPORTERS
    assert {f.channel for f in crowd.filed} == {"json", "multipart", "html"}
    assert sum(len(f.messages) for f in crowd.filed) >= REPORTERS
    assert sum(len(f.files) for f in crowd.filed) >= REPORTERS
    assert all(s.work.messages for s in crowd.staff), "a staff member wrote nothing"


def test_crowd_of_reporters_and_staff_loses_nothing(tmp_path: Path, database: Database) -> None:
    env = instance_env(
        tmp_path,
        database,
        port=free_port(),
        extra={
            "SIPADU_TRUSTED_PROXIES": "1",
            # By default only half the cores check case keys at once and a further check is
            # refused with a 503 (flood protection, tests/reporting/test_key_check_slots.py);
            # here every reporter may check at once, since what is tested is that nothing
            # acknowledged is lost under concurrency.
            "SIPADU_CASE_KEY_CHECK_SLOTS": str(REPORTERS),
        },
    )
    init_instance(env)
    staff_accounts = enrol_staff(env, ["supervisor", "investigator", "investigator"])
    with serving(env, tmp_path, workers=WORKERS) as server:
        crowd = _run_crowd(server, staff_accounts)
        assert crowd.ledger.crashes == []
        _check_load_happened(crowd)
        _check_everything_stored(server, crowd)
    assert crowd.ledger.failures() == [], crowd.ledger.summary()
    _check_downloads_during_load(crowd)
    verified = run_sipadu(env, "audit", "verify", "--quiet")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    _check_log(server, crowd)
