"""HTTP for the load test: one client per simulated person, each with its own address (sent as
``X-Forwarded-For``, which the server trusts from one proxy hop), and a ledger of every answer.

Only the standard library is used; a request that gets no HTTP answer at all (connection reset,
timeout) is recorded with status 0 so it counts as a failure just like a 5xx.
"""

from __future__ import annotations

import http.cookiejar
import json
import secrets
import threading
import traceback
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

REQUEST_TIMEOUT = 120.0
NO_ANSWER = 0


@dataclass(frozen=True)
class Answer:
    """One HTTP answer (status 0: none came)."""

    status: int
    body: bytes
    headers: Message = field(default_factory=Message)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Ledger:
    """Every request's outcome, and every crash of a simulated person, from all threads."""

    outcomes: list[tuple[str, str, int]] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, who: str, route: str, status: int) -> None:
        with self._lock:
            self.outcomes.append((who, route, status))

    def crash(self, who: str, error: BaseException) -> None:
        """A simulated person stopped on an unexpected error (kept for the test's verdict)."""
        text = "".join(traceback.format_exception(error))
        with self._lock:
            self.crashes.append(f"{who}: {text}")

    def failures(self) -> list[tuple[str, str, int]]:
        """Requests answered 5xx or not answered at all."""
        return [o for o in self.outcomes if o[2] >= 500 or o[2] == NO_ANSWER]

    def summary(self) -> Counter[tuple[str, int]]:
        """How often each route got each status."""
        return Counter((route, status) for _who, route, status in self.outcomes)


def multipart(
    fields: Mapping[str, str], files: Sequence[tuple[str, str, bytes]] = ()
) -> tuple[bytes, str]:
    """A multipart/form-data body (text fields, then ``(field, filename, content)`` files)
    and its Content-Type."""
    boundary = f"sipadu-load-{secrets.token_hex(12)}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """One simulated person: an address of their own, optional cookies, a shared ledger."""

    def __init__(
        self, base_url: str, address: str, ledger: Ledger, who: str, *, cookies: bool = False
    ) -> None:
        self.base_url = base_url
        self.address = address
        self.ledger = ledger
        self.who = who
        handlers = (
            [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())] if cookies else []
        )
        self._opener = urllib.request.build_opener(*handlers)

    def request(
        self,
        method: str,
        path: str,
        *,
        route: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send one request; ``route`` names it in the ledger without case codes or ids."""
        request = urllib.request.Request(  # noqa: S310 (loopback URL built by the test)
            self.base_url + path,
            data=body,
            method=method,
            headers={"X-Forwarded-For": self.address, **(headers or {})},
        )
        try:
            with self._opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                answer = Answer(int(response.status), response.read(), response.headers)
        except urllib.error.HTTPError as error:
            answer = Answer(int(error.code), error.read(), error.headers)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            answer = Answer(NO_ANSWER, b"")
        self.ledger.record(self.who, route, answer.status)
        return answer

    def get(
        self,
        path: str,
        *,
        route: str,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        return self.request("GET", path, route=route, headers=headers)

    def post_json(
        self, path: str, document: object, *, route: str, headers: Mapping[str, str] | None = None
    ) -> Answer:
        return self.request(
            "POST",
            path,
            route=route,
            body=json.dumps(document).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def post_multipart(
        self,
        path: str,
        fields: Mapping[str, str],
        files: Sequence[tuple[str, str, bytes]] = (),
        *,
        route: str,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        body, content_type = multipart(fields, files)
        return self.request(
            "POST",
            path,
            route=route,
            body=body,
            headers={"Content-Type": content_type, **(headers or {})},
        )
