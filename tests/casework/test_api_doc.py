"""The staff case API is described in the OpenAPI document, and its filters work."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.service import verify_chain
from tests.casework.conftest import Team, bearer, set_status

OPERATIONS = {
    ("/staff/cases", "get"),
    ("/staff/cases/{code}", "get"),
    ("/staff/cases/{code}/messages", "post"),
    ("/staff/cases/{code}/status", "post"),
    ("/staff/cases/{code}/assignments", "post"),
    ("/staff/cases/{code}/assignments/{username}", "delete"),
    ("/staff/cases/{code}/attachments/{attachment_id}", "get"),
}


def test_every_operation_is_documented(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert documented >= OPERATIONS
    assert "staffBearer" in document["components"]["securitySchemes"]
    for path, method in OPERATIONS:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"staffBearer": []}]
        assert {"401", "403"} <= set(operation["responses"])


def test_api_inbox_filters_and_chain_stays_valid(app: Flask, db: Session, team: Team) -> None:
    from tests.support.factories import make_case

    other = make_case(app, db)
    set_status(db, other, "verifikasi")
    headers = bearer(db, team.supervisor)
    client = app.test_client()
    listing = client.get("/api/v1/staff/cases?status=verifikasi", headers=headers).get_json()
    assert [row["code"] for row in listing["cases"]] == [other.case.code]
    assert listing["cases"][0]["badge"] in (None, "due_soon", "overdue")
    everything = client.get("/api/v1/staff/cases?sort=received_asc", headers=headers).get_json()
    assert everything["total"] == 2
    client.get(f"/api/v1/staff/cases/{other.case.code}", headers=headers)
    client.post(
        f"/api/v1/staff/cases/{other.case.code}/status",
        headers=headers,
        json={"status": "investigasi"},
    )
    keyring = current_settings(app).keyring
    assert keyring is not None
    assert verify_chain(db, keyring.audit_hmac_key).ok


def test_record_ids_are_documented_as_random_hex_strings(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    download = document["paths"]["/staff/cases/{code}/attachments/{attachment_id}"]["get"]
    by_name = {p["name"]: p["schema"] for p in download["parameters"]}
    assert by_name["attachment_id"] == {"type": "string", "pattern": "^[0-9a-f]{32}$"}
    case = document["components"]["schemas"]["StaffCase"]["properties"]
    assert case["attachments"]["items"]["properties"]["id"]["type"] == "string"
    assert case["messages"]["items"]["properties"]["id"]["type"] == ["string", "null"]
