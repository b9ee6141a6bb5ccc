"""The reporter crowd of the load test: each reporter files one report (JSON API, multipart API
with a file, or the HTML form with a file), then follows it up with the case key — messages,
evidence uploads (multipart and whole-body), reading the case — with pauses in between.

Only what the server acknowledged (a 201 with the case key, a 201 for a message or a file) is
written down in :class:`FiledCase`; anything else is left for the ledger's verdict.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import time
from dataclasses import dataclass, field

from tests.load.wire import Answer, Client

CATEGORIES = (
    "penyalahgunaan_wewenang",
    "pelanggaran_administratif",
    "kkn",
    "pelanggaran_disiplin",
    "gratifikasi",
    "pungli",
    "lainnya",
)
CHANNELS = ("json", "multipart", "json", "html", "json")
_HIDDEN = re.compile(r'name="(csrf_token|form_id|case_key)" value="([^"]+)"')


@dataclass
class FiledCase:
    """A report the server acknowledged, and everything acknowledged on it since."""

    code: str
    key: str
    channel: str
    report: dict[str, str]
    messages: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # filename -> SHA-256 of content

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"CaseKey {self.key}"}


def evidence(label: str, rng: random.Random) -> tuple[str, bytes]:
    """A file name and content; the text prefix keeps the sniffer from taking random bytes
    for an image or PDF (whose metadata cleaning would change the bytes)."""
    size = rng.randrange(2_000, 300_000)
    return f"bukti-{label}.bin", b"SIPADU load evidence\n" + rng.randbytes(size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Reporter:
    """One anonymous reporter working through a bounded plan."""

    def __init__(
        self, number: int, client: Client, *, rounds: int, deadline: float, seed: int
    ) -> None:
        self.number = number
        self.client = client
        self.rounds = rounds
        self.deadline = deadline
        self.rng = random.Random(seed)
        self.channel = CHANNELS[number % len(CHANNELS)]
        self.filed: FiledCase | None = None
        self.sent_texts: list[str] = []  # everything sent, acknowledged or not

    def run(self) -> None:
        """File, then follow up until the plan or the deadline ends."""
        try:
            self.filed = self._file()
            for step in range(self.rounds):
                if self.filed is None or time.monotonic() > self.deadline:
                    return
                self._pause()
                self._message(self.filed, step)
                self._pause()
                self._upload(self.filed, step)
                if step % 2 == 1:
                    self._read(self.filed)
        except Exception as error:  # the verdict must see it, not a silent thread death
            self.client.ledger.crash(self.client.who, error)

    def _pause(self) -> None:
        time.sleep(self.rng.uniform(0.3, 1.5))

    def _text(self, what: str) -> str:
        text = f"{what} {self.number} penanda-{secrets.token_hex(8)}"
        self.sent_texts.append(text)
        return text

    def _report(self) -> dict[str, str]:
        return {
            "category": self.rng.choice(CATEGORIES),
            "what": self._text("Pungutan di loket pelayanan, kronologi pelapor"),
            "who": self._text("Petugas loket"),
            "where": "Kantor kelurahan",
            "when": "Maret 2025",
            "amount": f"{self.rng.randrange(1, 999)}.000.000",
        }

    def _file(self) -> FiledCase | None:
        report = self._report()
        if self.channel == "html":
            return self._file_with_form(report)
        if self.channel == "multipart":
            name, content = evidence(f"r{self.number}-0", self.rng)
            answer = self.client.post_multipart(
                "/api/v1/reports",
                {"report": json.dumps(report)},
                [("attachments", name, content)],
                route="POST /api/v1/reports (multipart)",
            )
            return self._acknowledged(answer, report, {name: sha256(content)})
        answer = self.client.post_json(
            "/api/v1/reports", report, route="POST /api/v1/reports (json)"
        )
        return self._acknowledged(answer, report, {})

    def _acknowledged(
        self, answer: Answer, report: dict[str, str], files: dict[str, str]
    ) -> FiledCase | None:
        if answer.status != 201:
            return None
        body = answer.json()
        return FiledCase(body["case_code"], body["case_key"], self.channel, report, files=files)

    def _file_with_form(self, report: dict[str, str]) -> FiledCase | None:
        page = self.client.get("/laporan", route="GET /laporan")
        hidden = dict(_HIDDEN.findall(page.text))
        name, content = evidence(f"r{self.number}-0", self.rng)
        answer = self.client.post_multipart(
            "/laporan",
            {
                **report,
                "csrf_token": hidden.get("csrf_token", ""),
                "form_id": hidden.get("form_id", ""),
                "hp_extra": "",
            },
            [("attachments", name, content)],
            route="POST /laporan",
        )
        key = dict(_HIDDEN.findall(answer.text)).get("case_key")
        if answer.status != 201 or key is None:
            return None
        return FiledCase(key[:10], key, self.channel, report, files={name: sha256(content)})

    def _message(self, filed: FiledCase, step: int) -> None:
        body = self._text(f"Tambahan keterangan ke-{step} dari pelapor")
        answer = self.client.post_json(
            "/api/v1/case/messages",
            {"body": body},
            route="POST /api/v1/case/messages",
            headers=filed.auth,
        )
        if answer.status == 201:
            filed.messages.append(body)

    def _upload(self, filed: FiledCase, step: int) -> None:
        name, content = evidence(f"r{self.number}-{step + 1}", self.rng)
        if step % 2 == 0:
            answer = self.client.post_multipart(
                "/api/v1/case/attachments",
                {},
                [("attachments", name, content)],
                route="POST /api/v1/case/attachments (multipart)",
                headers=filed.auth,
            )
        else:
            answer = self.client.request(
                "POST",
                "/api/v1/case/attachments",
                body=content,
                route="POST /api/v1/case/attachments (body)",
                headers={
                    **filed.auth,
                    "Content-Type": "application/octet-stream",
                    "Content-Disposition": f'attachment; filename="{name}"',
                },
            )
        if answer.status == 201:
            filed.files[name] = sha256(content)

    def _read(self, filed: FiledCase) -> None:
        self.client.get("/api/v1/case", route="GET /api/v1/case", headers=filed.auth)
