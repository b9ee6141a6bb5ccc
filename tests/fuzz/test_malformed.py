"""A corpus of malformed multipart bodies and malformed case keys: always a clean 4xx, never a
5xx, and nothing stored. Every upload endpoint (API and forms) gets every body; the case key
corpus goes to the API header and to the /kasus form."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fuzz.conftest import Credentials
from tests.fuzz.forms import counts
from tests.support.csrf import csrf_token

B = "sipadufuzz"
REPORT = json.dumps({"category": "pungli", "what": "Pungutan di loket."}).encode()


def _part(headers: str, body: bytes) -> bytes:
    return f"--{B}\r\n{headers}\r\n\r\n".encode() + body + b"\r\n"


def _end() -> bytes:
    return f"--{B}--\r\n".encode()


_FILE = (
    'Content-Disposition: form-data; name="attachments"; filename="a.txt"\r\n'
    "Content-Type: text/plain"
)


@dataclass(frozen=True)
class Body:
    """One malformed request: its Content-Type and raw bytes (the CSRF part added for forms)."""

    name: str
    content_type: str
    data: bytes
    malformed: bool = True  # False: well-formed but hostile; may be accepted, made safe


MULTIPART = f"multipart/form-data; boundary={B}"
CORPUS = [
    Body("empty body", MULTIPART, b""),
    Body("no boundary parameter", "multipart/form-data", _part(_FILE, b"x") + _end()),
    Body("empty boundary", "multipart/form-data; boundary=", _part(_FILE, b"x") + _end()),
    Body("boundary mismatch", "multipart/form-data; boundary=other", _part(_FILE, b"x") + _end()),
    Body(
        "boundary too long",
        f"multipart/form-data; boundary={'b' * 5000}",
        _part(_FILE, b"x") + _end(),
    ),
    Body("truncated before the closing boundary", MULTIPART, _part(_FILE, b"x" * 100)[:-10]),
    Body(
        "truncated inside the part headers",
        MULTIPART,
        f"--{B}\r\nContent-Disposition: form-da".encode(),
    ),
    Body(
        "no blank line after headers", MULTIPART, f"--{B}\r\n{_FILE}\r\nxyz\r\n".encode() + _end()
    ),
    Body(
        "part without Content-Disposition",
        MULTIPART,
        _part("Content-Type: text/plain", b"x") + _end(),
    ),
    Body(
        "Content-Disposition without a name",
        MULTIPART,
        _part('Content-Disposition: form-data; filename="a.txt"', b"x") + _end(),
    ),
    Body("garbage before the first boundary only", MULTIPART, b"\x00\xff" * 500),
    Body(
        "NUL bytes in header names",
        MULTIPART,
        _part('Content-Disp\x00osition: form-data; name="attachments"', b"x") + _end(),
    ),
    Body(
        "filename with NUL, controls and traversal",
        MULTIPART,
        _part(
            'Content-Disposition: form-data; name="attachments"; '
            'filename="../../etc/pa\x00ss\x1b[2J.txt"\r\nContent-Type: text/plain',
            b"x",
        )
        + _end(),
        malformed=False,
    ),
    Body(
        "filename of 10 000 characters",
        MULTIPART,
        _part(
            f'Content-Disposition: form-data; name="attachments"; filename="{"a" * 10_000}"'
            "\r\nContent-Type: text/plain",
            b"x",
        )
        + _end(),
        malformed=False,
    ),
    Body(
        "header line of 100 KiB",
        MULTIPART,
        _part(f"{_FILE}\r\nX-Junk: {'j' * 100_000}", b"x") + _end(),
        malformed=False,
    ),
    Body(
        "thousands of empty parts",
        MULTIPART,
        _part('Content-Disposition: form-data; name="x"', b"") * 5000 + _end(),
    ),
    Body(
        "nested multipart/mixed",
        MULTIPART,
        _part(
            'Content-Disposition: form-data; name="attachments"\r\n'
            "Content-Type: multipart/mixed; boundary=inner",
            b'--inner\r\nContent-Disposition: file; filename="b.txt"\r\n\r\nx\r\n--inner--',
        )
        + _end(),
    ),
    Body(
        "base64 transfer encoding, invalid",
        MULTIPART,
        _part(f"{_FILE}\r\nContent-Transfer-Encoding: base64", b"!!!not base64!!!") + _end(),
        malformed=False,
    ),
    Body(
        "unknown charset",
        f"{MULTIPART}; charset=x-unknown-42",
        _part(_FILE, b"x") + _end(),
        malformed=False,
    ),
    Body("not multipart at all", "text/plain", b"--sipadufuzz\r\n"),
    Body("claims JSON, sends multipart", "application/json", _part(_FILE, b"x") + _end()),
    Body(
        "invalid report JSON part",
        MULTIPART,
        _part('Content-Disposition: form-data; name="report"', b"{not json") + _end(),
    ),
    Body(
        "report part is an array",
        MULTIPART,
        _part('Content-Disposition: form-data; name="report"', b"[1, 2]") + _end(),
    ),
    Body(
        "report part is not UTF-8",
        MULTIPART,
        _part('Content-Disposition: form-data; name="report"', b"\xff\xfe{\x00}") + _end(),
    ),
]
# The form variants carry the CSRF token where a parser can still find it.
_CSRF_PART = 'Content-Disposition: form-data; name="csrf_token"'


@dataclass(frozen=True)
class Target:
    """An upload endpoint and how to authenticate to it."""

    path: str
    auth: str  # "none", "casekey" or "reporter_cookie"
    form: bool


TARGETS = [
    Target("/api/v1/reports", "none", form=False),
    Target("/api/v1/case/attachments", "casekey", form=False),
    Target("/laporan", "none", form=True),
    Target("/kasus/saya/bukti", "reporter_cookie", form=True),
]


def _client(app: Flask, creds: Credentials, target: Target) -> tuple[FlaskClient, str]:
    client = app.test_client()
    if target.auth == "reporter_cookie":
        page = client.post(
            "/kasus", data={"csrf_token": csrf_token(client, "/kasus"), "case_key": creds.case_key}
        )
        assert page.status_code == 303
        return client, csrf_token(client, "/kasus/saya")
    return client, csrf_token(client, "/laporan") if target.form else ""


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.path)
def test_malformed_multipart_is_refused_cleanly(
    fuzz_app: Flask, credentials: Credentials, target: Target
) -> None:
    client, csrf = _client(fuzz_app, credentials, target)
    headers = (
        {"Authorization": f"CaseKey {credentials.case_key}"} if target.auth == "casekey" else {}
    )
    wrong: dict[str, int] = {}
    for body in CORPUS:
        data = body.data
        if target.form and data.startswith(f"--{B}".encode()):
            data = _part(_CSRF_PART, csrf.encode()) + data
        before = counts(fuzz_app)
        response = client.post(
            target.path, data=data, content_type=body.content_type, headers=headers
        )
        status = response.status_code
        assert status < 500 and b"Traceback" not in response.data, body.name
        if body.malformed:
            if not 400 <= status < 500 or counts(fuzz_app) != before:
                wrong[body.name] = status
            if target.path.startswith("/api/"):
                assert response.is_json and "error" in response.get_json(), body.name
    assert not wrong, f"accepted or stored: {wrong}"
    _stored_names_are_safe(fuzz_app, credentials)


def _stored_names_are_safe(app: Flask, creds: Credentials) -> None:
    """Whatever hostile file names arrived, the case lists only plain names."""
    case = app.test_client().get(
        "/api/v1/case", headers={"Authorization": f"CaseKey {creds.case_key}"}
    )
    for attachment in case.get_json()["attachments"]:
        name = attachment["filename"]
        assert len(name) <= 255 and not re.search(r"[/\\\x00-\x1f]", name), name


BAD_KEYS = [
    "",
    " ",
    "SPD",
    "SPD-",
    "SPD-------",
    "spd-xxxxxx",
    "SPD-7K3Q9M",
    "x" * 201,
    "A" * 10_000,
    "SPD-7K3Q9M-ABCDE-ABCDE-ABCDE-ABCDE",  # no check symbol
    "SPD-7K3Q9M-ABCDE-ABCDE-ABCDE-ABCDE-A-ABCDE",  # a group too many
    "SPD-7K3Q9M-ABCDE-ABCDE-ABCDE-ABCDE-U",  # U is not Crockford base32
    "XYZ-7K3Q9M-ABCDE-ABCDE-ABCDE-ABCDE-A",  # another prefix
    "SPD-7K3Q9M-ABCDE-ABCDE-ABCDE-ABCDE-\x00",
    "SPD\x00-7K3Q9M",
    "\x00" * 40,
    "' OR '1'='1",
    "SPD-7K3Q9M'; DROP TABLE cases; --",
    "%00%0d%0a",
    "{{7*7}}",
    "%0d%0aSet-Cookie: x=1",
]
# Non-Latin-1 text cannot travel in a header; the form takes it.
FORM_ONLY_KEYS = [
    "\r\nSet-Cookie: x=1",
    "SPD-7\u041a3Q9\u041c-\u0410\u0412\u0421D\u0415-ABCDE-ABCDE-ABCDE-A",  # Cyrillic
    "\u202eSPD-7K3Q9M",
    "\U0001f600" * 50,
    "\uff33\uff30\uff24\uff0d\uff17\uff2b\uff13\uff31\uff19\uff2d",
]  # fullwidth


def _mangled(key: str) -> list[str]:
    """Real keys with one thing wrong: truncated, an extra symbol, the check symbol changed."""
    last = "0" if key[-1] != "0" else "1"
    return [key[:-1], key + "A", key[:-1] + last, key[:12]]


def test_malformed_case_keys_in_the_api_header(fuzz_app: Flask, credentials: Credentials) -> None:
    client = fuzz_app.test_client()
    before = counts(fuzz_app)
    headers = [f"CaseKey {key}" for key in BAD_KEYS + _mangled(credentials.case_key)]
    headers += [
        "CaseKey",
        "CaseKey    ",
        "Bearer " + credentials.case_key,
        credentials.case_key,
        "CaseKey\t" + "\x01" * 10,
        "Basic Zm9vOmJhcg==",
    ]
    for value in headers:
        response = client.get("/api/v1/case", headers={"Authorization": value})
        assert response.status_code in (401, 429), (value[:60], response.status_code)
        assert response.get_json()["error"]["code"], value[:60]
    assert counts(fuzz_app) == before


def test_malformed_case_keys_in_the_form(fuzz_app: Flask, credentials: Credentials) -> None:
    client = fuzz_app.test_client()
    csrf = csrf_token(client, "/kasus")
    before = counts(fuzz_app)
    for key in BAD_KEYS + FORM_ONLY_KEYS + _mangled(credentials.case_key):
        response = client.post("/kasus", data={"csrf_token": csrf, "case_key": key})
        assert response.status_code in (400, 401, 429), (key[:60], response.status_code)
        assert "sipadu_reporter" not in response.headers.get("Set-Cookie", ""), key[:60]
    assert counts(fuzz_app) == before
