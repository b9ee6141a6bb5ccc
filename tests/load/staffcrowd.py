"""The staff side of the load test: a supervisor and investigators signed in through the API,
working the inbox while reporters are still filing.

The supervisor accepts new cases (diterima → verifikasi), assigns each to an investigator,
writes to the reporter and opens some investigations. Investigators read their assigned
cases, download the evidence, write to the reporter, add internal notes and ask for more
(verifikasi → perlu_dilengkapi). Every acknowledged message and every downloaded file is
written down for the verdict. Each person paces their requests so the per-client rate
limits (60 a minute per endpoint) are not what the test measures.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.load.wire import Answer, Client
from tests.support.staff import Enrolled

PACE_SECONDS = 0.3
# The default limit is 60 a minute per endpoint and client: keep each route under it.
ROUTE_GAP_SECONDS = 1.1
MESSAGES_PER_CASE = 2


@dataclass(frozen=True)
class StaffMessage:
    """A message or internal note the server acknowledged."""

    code: str
    body: str
    internal: bool


@dataclass
class StaffWork:
    """What one staff member got done."""

    messages: list[StaffMessage] = field(default_factory=list)
    downloads: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, sha
    sent_texts: list[str] = field(default_factory=list)


class StaffMember:
    """A signed-in staff member working the inbox in passes until told to stop."""

    def __init__(
        self, person: Enrolled, role: str, client: Client, *, investigators: tuple[str, ...] = ()
    ) -> None:
        self.person = person
        self.role = role
        self.client = client
        self.investigators = investigators
        self.work = StaffWork()
        self.token = ""
        self._seen_files: set[tuple[str, int]] = set()
        self._written: dict[str, int] = {}
        self._assigned: set[str] = set()
        self._next_call: dict[str, float] = {}

    def sign_in(self) -> bool:
        """Password + TOTP through the API; True when a token came back."""
        answer = self.client.post_json(
            "/api/v1/staff/sessions",
            {
                "username": self.person.username,
                "password": self.person.password,
                "totp": self.person.code(),
            },
            route="POST /api/v1/staff/sessions",
        )
        if answer.status == 201:
            self.token = answer.json()["token"]
        return bool(self.token)

    def run(
        self, others_done: threading.Event, deadline: float, finished: threading.Event | None = None
    ) -> None:
        """Passes over the inbox until ``others_done`` is set, then one last pass (so what
        came in meanwhile is seen too); ``finished`` is set when this person stops."""
        try:
            if not self.sign_in():
                return
            while time.monotonic() < deadline:
                last = others_done.is_set()
                self.work_pass(deadline)
                if last:
                    return
                time.sleep(PACE_SECONDS)
        except Exception as error:  # the verdict must see it, not a silent thread death
            self.client.ledger.crash(self.client.who, error)
        finally:
            if finished is not None:
                finished.set()

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _call(self, method: str, path: str, route: str, document: Any = None) -> Answer:
        time.sleep(max(PACE_SECONDS, self._next_call.get(route, 0.0) - time.monotonic()))
        self._next_call[route] = time.monotonic() + ROUTE_GAP_SECONDS
        if document is None:
            answer = self.client.request(method, path, route=route, headers=self._auth)
        else:
            answer = self.client.post_json(path, document, route=route, headers=self._auth)
        return answer

    def work_pass(self, deadline: float) -> None:
        """Every case of the inbox once."""
        inbox = self._call("GET", "/api/v1/staff/cases", "GET /api/v1/staff/cases")
        if inbox.status != 200:
            return
        for row in inbox.json()["cases"]:
            if time.monotonic() > deadline:
                return
            self._work_case(row["code"])

    def _work_case(self, code: str) -> None:
        answer = self._call("GET", f"/api/v1/staff/cases/{code}", "GET /api/v1/staff/cases/C")
        if answer.status != 200:
            return
        case = answer.json()
        if self.role == "supervisor":
            self._triage(code, case)
        else:
            self._download_new(code, case["attachments"])
            self._investigate(code, case)

    def _download_new(self, code: str, attachments: list[dict[str, Any]]) -> None:
        for attachment in attachments:
            if (code, attachment["id"]) in self._seen_files:
                continue
            answer = self._call(
                "GET",
                f"/api/v1/staff/cases/{code}/attachments/{attachment['id']}",
                "GET /api/v1/staff/cases/C/attachments/A",
            )
            if answer.status == 200:
                self._seen_files.add((code, attachment["id"]))
                self.work.downloads.append(
                    (code, attachment["filename"], hashlib.sha256(answer.body).hexdigest())
                )

    def _status(
        self, code: str, case: dict[str, Any], target: str, reason: str | None = None
    ) -> None:
        if target not in case["allowed_statuses"]:
            return
        document = {"status": target} if reason is None else {"status": target, "reason": reason}
        answer = self._call(
            "POST",
            f"/api/v1/staff/cases/{code}/status",
            "POST /api/v1/staff/cases/C/status",
            document,
        )
        if answer.status == 200:
            case["status"] = target
            case["allowed_statuses"] = []

    def _write(self, code: str, internal: bool = False) -> None:
        if self._written.get(code, 0) >= MESSAGES_PER_CASE:
            return
        kind = "Catatan internal" if internal else "Pesan pemeriksa"
        body = f"{kind} {self.person.username} penanda-{secrets.token_hex(8)}"
        self.work.sent_texts.append(body)
        answer = self._call(
            "POST",
            f"/api/v1/staff/cases/{code}/messages",
            "POST /api/v1/staff/cases/C/messages",
            {"body": body, "internal": internal},
        )
        if answer.status == 201:
            self.work.messages.append(StaffMessage(code, body, internal))
            self._written[code] = self._written.get(code, 0) + 1

    def _triage(self, code: str, case: dict[str, Any]) -> None:
        self._status(code, case, "verifikasi")
        if code not in self._assigned and self.investigators:
            investigator = self.investigators[len(self._assigned) % len(self.investigators)]
            answer = self._call(
                "POST",
                f"/api/v1/staff/cases/{code}/assignments",
                "POST /api/v1/staff/cases/C/assignments",
                {"username": investigator},
            )
            if answer.status == 201:
                self._assigned.add(code)
        self._write(code)
        if sum(map(ord, code)) % 3 == 0:
            self._status(code, case, "investigasi")

    def _investigate(self, code: str, case: dict[str, Any]) -> None:
        self._write(code)
        self._write(code, internal=True)
        if sum(map(ord, code)) % 3 == 1:
            self._status(
                code, case, "perlu_dilengkapi", "Mohon lengkapi kronologi dan bukti pendukung."
            )
