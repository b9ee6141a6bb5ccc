"""The reporter's JSON API: file a report, read the case, reply, add files; never a cookie."""

from __future__ import annotations

import io
import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sipadu.cases.models import Attachment, Case
from sipadu.db import db_session
from tests.media.samples import jpeg_with_metadata
from tests.reporting.conftest import BASE_REPORT, Ready


def _file(client: FlaskClient, report: dict[str, object] | None = None) -> dict[str, str]:
    response = client.post("/api/v1/reports", json=report or BASE_REPORT)
    assert response.status_code == 201, response.get_json()
    assert "Set-Cookie" not in response.headers
    body: dict[str, str] = response.get_json()
    return body


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"CaseKey {key}"}


def test_api_journey(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _file(client, {**BASE_REPORT, "identity": {"name": "Saksi", "contact": "x"}})
    assert filed["case_key"].startswith(filed["case_code"])
    case = client.get("/api/v1/case", headers=_auth(filed["case_key"]))
    assert case.status_code == 200
    data = case.get_json()
    assert data["case_code"] == filed["case_code"] and data["status"] == "diterima"
    assert data["timeline"][0]["status"] == "diterima"
    sent = client.post(
        "/api/v1/case/messages",
        json={"body": "Tambahan informasi."},
        headers=_auth(filed["case_key"]),
    )
    assert sent.status_code == 201
    files = client.post(
        "/api/v1/case/attachments",
        headers=_auth(filed["case_key"]),
        data={"attachments": [(io.BytesIO(jpeg_with_metadata()), "foto.jpg")]},
        content_type="multipart/form-data",
    )
    assert files.status_code == 201, files.get_json()
    assert files.get_json()["attachments"][0]["cleaning"]
    data = client.get("/api/v1/case", headers=_auth(filed["case_key"])).get_json()
    assert data["messages"][0] == {
        "from": "reporter",
        "body": "Tambahan informasi.",
        "sent_on": data["messages"][0]["sent_on"],
        "verified": True,
    }
    assert data["attachments"][0]["filename"] == "foto.jpg"
    for response in (case, sent, files):
        assert "Set-Cookie" not in response.headers
    with ready.app.app_context():
        from sipadu.audit.models import AuditEvent
        from tests.support.audit import seal_all

        seal_all(ready.app, db_session())
        tags = set(db_session().scalars(select(AuditEvent.tag)))
    assert {"case:submitted", "reporter:login", "message:sent", "attachment:added"} <= tags


def test_api_too_many_files_store_nothing(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _file(client)
    response = client.post(
        "/api/v1/case/attachments",
        headers=_auth(filed["case_key"]),
        content_type="multipart/form-data",
        data={"attachments": [(io.BytesIO(b"x"), f"{n}.txt") for n in range(4)]},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["files"][0]["reason"] == "too_many"
    empty = client.post(
        "/api/v1/case/attachments",
        headers=_auth(filed["case_key"]),
        content_type="multipart/form-data",
        data={},
    )
    assert empty.status_code == 422
    with ready.app.app_context():
        assert db_session().scalars(select(Attachment)).all() == []


def test_api_multipart_report_with_files(ready: Ready) -> None:
    client = ready.app.test_client()
    response = client.post(
        "/api/v1/reports",
        content_type="multipart/form-data",
        data={
            "report": json.dumps(BASE_REPORT),
            "attachments": [(io.BytesIO(b"plain text"), "a.txt"), (io.BytesIO(b"hello"), "b.txt")],
        },
    )
    assert response.status_code == 201, response.get_json()
    assert len(response.get_json()["attachments"]) == 2
    with ready.app.app_context():
        assert len(db_session().scalars(select(Attachment)).all()) == 2


def test_api_validation_names_the_field(ready: Ready) -> None:
    client = ready.app.test_client()
    for body, field in (
        ({"what": "x"}, "category"),
        ({"category": "kkn"}, "what"),
        ({"category": "kkn", "what": 5}, "what"),
        ({"category": "kkn", "what": "x", "identity": "me"}, "identity"),
        ({"category": "kkn", "what": "x" * 20_001}, "what"),
    ):
        response = client.post("/api/v1/reports", json=body)
        assert response.status_code == 422
        assert field in response.get_json()["error"]["fields"]
    assert (
        client.post("/api/v1/reports", data="{broken", content_type="application/json").status_code
        == 400
    )
    assert client.post("/api/v1/reports", json=[1, 2]).status_code == 400
    assert client.post("/api/v1/reports", data="x", content_type="text/plain").status_code == 415
    broken = client.post(
        "/api/v1/reports", data=b"--zz\r\nbroken", content_type="multipart/form-data; boundary=zz"
    )
    assert 400 <= broken.status_code < 500
    with ready.app.app_context():
        assert db_session().scalars(select(Case)).all() == []


def test_api_rejects_missing_wrong_and_malformed_keys(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _file(client)
    other = _file(client)
    wrong = other["case_key"][:10] + filed["case_key"][10:]
    for headers in (
        {},
        {"Authorization": "Bearer abc"},
        _auth("nonsense"),
        _auth(wrong),
        _auth(filed["case_key"][:-1] + ("0" if filed["case_key"][-1] != "0" else "1")),
    ):
        response = client.get("/api/v1/case", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert "Set-Cookie" not in response.headers
    own = client.get("/api/v1/case", headers=_auth(other["case_key"])).get_json()
    assert own["case_code"] == other["case_code"]


def test_api_throttles_guesses_with_retry_after(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _file(client)
    code = filed["case_key"][:10]
    from sipadu.crypto.casekey import format_case_key, generate_case_key

    statuses = []
    for _ in range(8):
        guess = format_case_key(generate_case_key(code))
        statuses.append(client.get("/api/v1/case", headers=_auth(guess)).status_code)
    assert statuses[0] == 401
    assert 429 in statuses
    limited = client.get("/api/v1/case", headers=_auth(filed["case_key"]))
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_api_oversize_upload_stores_nothing(ready: Ready) -> None:
    client = ready.app.test_client()
    response = client.post(
        "/api/v1/reports",
        content_type="multipart/form-data",
        data={
            "report": json.dumps(BASE_REPORT),
            "attachments": [
                (io.BytesIO(b"ok"), "small.txt"),
                (io.BytesIO(b"x" * (65 * 1024)), "big.bin"),
            ],
        },
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["files"][0]["filename"] == "big.bin"
    with ready.app.app_context():
        assert db_session().scalars(select(Case)).all() == []
    assert _blobs(ready.app) == []


def _blobs(app: Flask) -> list[str]:
    root = app.extensions["sipadu.settings"].blob_dir
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_openapi_describes_reporter_operations(ready: Ready) -> None:
    doc = ready.app.test_client().get("/api/v1/openapi.json").get_json()
    assert "post" in doc["paths"]["/reports"]
    assert "get" in doc["paths"]["/case"]
    assert "post" in doc["paths"]["/case/messages"]
    assert "post" in doc["paths"]["/case/attachments"]
    assert "CaseKey" in doc["components"]["securitySchemes"]
