"""Every JSON endpoint of the API, found in the app's url_map (a new one is covered without
editing this file): a body over its cap is refused with 413 before it is read or parsed,
with or without a Content-Length; unknown fields are refused with 422 naming them; malformed
or wrongly shaped JSON gets a clear 400; nothing is ever stored and nothing answers 500."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder, run_wsgi_app

from sipadu.api import json_body
from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.cases.models import Case, CaseGrant, CaseMessage, TimelineEntry
from sipadu.channels.accounts import create_account
from sipadu.reporting.forms import IDENTITY_FIELDS, REPORT_TEXT_FIELDS
from sipadu.sessions.models import AuthSession
from sipadu.sessions.service import start_session
from sipadu.settings import Settings
from tests.casework.conftest import FreshContextClient
from tests.conftest import build_app, make_settings
from tests.support.factories import make_case, make_staff
from tests.support.instance import Database

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# API endpoints that take no JSON at all (files only): they must stay few and known.
NOT_JSON = {"api.reporting_api.post_attachments"}
CODE = "SPD-000000"


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return make_settings(tmp_path, database, rate_limits_enabled=False)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = build_app(settings)
    # Each request in its own app context (own g, own DB session), as in production.
    application.test_client_class = FreshContextClient
    yield application
    application.extensions["sipadu.engine"].dispose()


@dataclass(frozen=True)
class Endpoint:
    """One JSON endpoint: where to send, with which credentials, and its cap."""

    name: str
    path: str
    headers: dict[str, str]
    limit: int


def audit_key_of(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _json_endpoints(app: Flask, db: Session) -> list[Endpoint]:
    supervisor = make_staff(app, db)
    db.commit()
    created = make_case(app, db)
    token = start_session(
        db,
        kind="staff",
        payload=supervisor.private_key,
        staff_id=supervisor.account.id,
        channel="api",
    )
    db.commit()
    _account, service_token = create_account(db, "jaki", audit_key_of(app))
    db.commit()
    endpoints = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or not WRITE_METHODS & set(rule.methods or ()):
            continue
        limit = json_body.json_limit_of(app.view_functions[rule.endpoint])
        if limit is None:
            assert rule.endpoint in NOT_JSON, f"{rule.rule} takes no declared JSON body"
            continue
        path = rule.rule.replace("<code>", created.case.code)
        if path.startswith("/api/v1/staff/cases"):
            headers = {"Authorization": f"Bearer {token}"}
        elif path.startswith("/api/v1/case/"):
            headers = {"Authorization": f"CaseKey {created.case_key}"}
        elif path.startswith("/api/v1/intake/"):
            headers = {
                "Authorization": f"Bearer {service_token}",
                "Idempotency-Key": "json-bodies-1",
            }
        else:
            headers = {}
        endpoints.append(Endpoint(rule.endpoint, path, headers, limit))
    assert len(endpoints) >= 6
    return endpoints


def _stored(db: Session) -> tuple[int, ...]:
    db.expire_all()
    counts = tuple(
        db.scalar(select(func.count()).select_from(model)) or 0
        for model in (Case, CaseMessage, CaseGrant, TimelineEntry, AuthSession, AuditEvent)
    )
    db.commit()  # SQLite: an open read transaction would block the requests' writes
    return counts


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts what the server reads of it."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"[" * n
        self.read_bytes += n
        return n


def _send_stream(
    app: Flask, endpoint: Endpoint, body: CountingStream, *, declare_length: bool
) -> tuple[int, dict[str, Any]]:
    """POST a streamed body straight to the WSGI app (with or without Content-Length)."""
    environ = EnvironBuilder(
        path=endpoint.path,
        method="POST",
        headers=Headers(endpoint.headers),
        content_type="application/json",
    ).get_environ()
    environ["wsgi.input"] = body
    environ.pop("CONTENT_LENGTH", None)
    if declare_length:
        environ["CONTENT_LENGTH"] = str(body.size)
    else:  # what a server passes on for a chunked request
        environ["wsgi.input_terminated"] = True
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    with app.app_context():
        app_iter, status, _headers = run_wsgi_app(app, environ, buffered=True)
        data = b"".join(app_iter)
    return int(status.split()[0]), json.loads(data)


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an oversized body was parsed")

    monkeypatch.setattr(json_body, "parse_json_object", refuse)


def test_caps_are_stated_and_below_the_upload_cap(app: Flask, db: Session) -> None:
    upload_cap = app.config["MAX_CONTENT_LENGTH"]
    caps = {e.name: e.limit for e in _json_endpoints(app, db)}
    assert caps == {
        "api.staff_api.create_session": 64 * 1024,
        "api.casework_api.assign": 64 * 1024,
        "api.casework_api.post_message": 256 * 1024,
        "api.casework_api.change_status": 256 * 1024,
        "api.reporting_api.post_message": 256 * 1024,
        "api.reporting_api.submit_report": 512 * 1024,
        "api.intake_api.intake_report": 512 * 1024,
    }
    assert max(caps.values()) * 100 < upload_cap
    # A report of the longest texts, every character escaped as a surrogate pair, fits.
    longest = sum(f.max_chars for f in (*REPORT_TEXT_FIELDS, *IDENTITY_FIELDS)) * 12
    assert longest + 4096 < json_body.REPORT_JSON_LIMIT


def test_content_length_over_the_cap_is_refused_unread(
    app: Flask, db: Session, no_parsing: None
) -> None:
    endpoints = _json_endpoints(app, db)
    before = _stored(db)
    for endpoint in endpoints:
        body = CountingStream(30 * 1024 * 1024)
        status, answer = _send_stream(app, endpoint, body, declare_length=True)
        assert status == 413, (endpoint.path, answer)
        error = answer["error"]
        assert error["code"] == "too_large" and "KiB" in error["message"]
        assert body.read_bytes == 0, endpoint.path
    assert _stored(db) == before


def test_chunked_body_without_length_is_read_only_to_the_cap(
    app: Flask, db: Session, no_parsing: None
) -> None:
    endpoints = _json_endpoints(app, db)
    before = _stored(db)
    for endpoint in endpoints:
        body = CountingStream(8 * 1024 * 1024)
        status, answer = _send_stream(app, endpoint, body, declare_length=False)
        assert status == 413, (endpoint.path, answer)
        assert answer["error"]["code"] == "too_large"
        assert body.read_bytes <= endpoint.limit + 64 * 1024, endpoint.path
    assert _stored(db) == before


def test_unknown_fields_are_refused_and_named(app: Flask, db: Session) -> None:
    endpoints = _json_endpoints(app, db)
    before = _stored(db)
    for endpoint in endpoints:
        response = app.test_client().post(
            endpoint.path, json={"zz_unknown": 1, "kategori_lain": "x"}, headers=endpoint.headers
        )
        assert response.status_code == 422, (endpoint.path, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "unknown_fields"
        assert set(error["fields"]) == {"zz_unknown", "kategori_lain"}
        assert "zz_unknown" in error["message"]
    assert _stored(db) == before


VALID_BODIES: dict[str, dict[str, object]] = {
    "api.staff_api.create_session": {"username": "x", "password": "y", "totp": "123456"},
    "api.casework_api.assign": {"username": "penyidik"},
    "api.casework_api.post_message": {"body": "Pesan", "internal": False},
    "api.casework_api.change_status": {"status": "verifikasi"},
    "api.reporting_api.post_message": {"body": "Tambahan"},
    "api.reporting_api.submit_report": {"category": "pungli", "what": "Pungutan di loket."},
    "api.intake_api.intake_report": {
        "category": "pungli",
        "what": "Pungutan di loket.",
        "channel": "jaki",
        "external_ref": "JAKI-1",
    },
}


def test_a_valid_body_with_one_unknown_field_stores_nothing(app: Flask, db: Session) -> None:
    """The 30 MB report that was filed although it carried an unknown field, in small."""
    endpoints = _json_endpoints(app, db)
    assert {e.name for e in endpoints} == set(VALID_BODIES), "add a valid body for it"
    before = _stored(db)
    for endpoint in endpoints:
        response = app.test_client().post(
            endpoint.path,
            json={**VALID_BODIES[endpoint.name], "lampiran_besar": "A" * 1000},
            headers=endpoint.headers,
        )
        assert response.status_code == 422, (endpoint.path, response.get_json())
        assert list(response.get_json()["error"]["fields"]) == ["lampiran_besar"]
    assert _stored(db) == before


def test_unknown_nested_identity_field_is_named(app: Flask, db: Session) -> None:
    make_staff(app, db)
    db.commit()
    response = app.test_client().post(
        "/api/v1/reports",
        json={
            **VALID_BODIES["api.reporting_api.submit_report"],
            "identity": {"name": "Saksi", "nik": "3171"},
        },
    )
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["identity.nik"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'"hanya teks"', "bad_request"),
        (b"[1, 2]", "bad_request"),
        (b"17", "bad_request"),
        (b"null", "bad_request"),
        (b'{"body": "a", "body": "b"}', "invalid_json"),
        (b'{"body": NaN}', "invalid_json"),
        (b"[" * 30000 + b"]" * 30000, "invalid_json"),
        (b'{"body": ' + b'{"a": ' * 6 + b"1" + b"}" * 7, "invalid_json"),
        (b'{"body": "tidak selesai', "invalid_json"),
        (b"\xff\xfe{", "invalid_json"),
        # Lone surrogates: valid JSON escapes, but no text (a browser cannot send them either).
        (b'{"body": "\\ud800"}', "invalid_json"),
        (b'{"body": "ok \\udfff x"}', "invalid_json"),
        (b'{"\\ud800": 1}', "invalid_json"),
    ],
)
def test_wrong_json_is_a_clear_400(app: Flask, db: Session, raw: bytes, code: str) -> None:
    endpoints = _json_endpoints(app, db)
    before = _stored(db)
    for endpoint in endpoints:
        response = app.test_client().post(
            endpoint.path, data=raw, content_type="application/json", headers=endpoint.headers
        )
        assert response.status_code == 400, (endpoint.path, response.get_json())
        assert response.get_json()["error"]["code"] == code
    assert _stored(db) == before


def test_multipart_report_part_over_the_cap_is_refused(app: Flask, db: Session) -> None:
    make_staff(app, db)
    db.commit()
    report = json.dumps({"category": "pungli", "what": "x" * (600 * 1024)})
    response = app.test_client().post(
        "/api/v1/reports", data={"report": report}, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    unknown = json.dumps({"category": "pungli", "what": "x", "extra": 1})
    response = app.test_client().post(
        "/api/v1/reports", data={"report": unknown}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["extra"]


def _resolve(document: dict, schema: dict) -> dict:  # type: ignore[type-arg]
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict = document["components"]["schemas"][ref.rsplit("/", 1)[1]]  # type: ignore[type-arg]
    return resolved


def test_the_api_document_describes_the_rules(app: Flask, db: Session) -> None:
    """Each JSON endpoint's operation: closed request schemas, its cap, 400/413/415/422."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for endpoint in _json_endpoints(app, db):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint.name)
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        operation = document["paths"][path]["post"]
        assert {"400", "413", "415", "422"} <= set(operation["responses"]), path
        body = operation["requestBody"]
        assert f"{endpoint.limit // 1024} KiB" in body["description"], path
        schema = _resolve(document, body["content"]["application/json"]["schema"])
        assert schema["additionalProperties"] is False, path
        for nested in schema["properties"].values():
            if nested.get("type") == "object":
                assert nested["additionalProperties"] is False, path
        assert set(schema["properties"]) == set(
            json_body.fields_of(app.view_functions[endpoint.name])
        ), path
