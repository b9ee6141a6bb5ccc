"""The channel intake API's part of the OpenAPI document (``/api/v1/openapi.json``)."""

from __future__ import annotations

import copy
from typing import Any

from sipadu.api.json_body import JSON_BODY_ERRORS, REPORT_JSON_LIMIT, json_request_body
from sipadu.api.openapi import enum_schema, error_responses, register
from sipadu.channels.models import Channel, CoarseStatus
from sipadu.reporting.api_docs import REPORT_SCHEMA

_SERVICE: list[dict[str, list[str]]] = [{"ServiceToken": []}]
_REF = {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}


def _intake_schema() -> dict[str, Any]:
    schema = copy.deepcopy(REPORT_SCHEMA)
    schema["required"] = [*schema["required"], "channel", "external_ref"]
    schema["properties"]["amount"] = {
        "type": ["string", "number"],
        "description": "Rupiah: text as in Report (15.000.000) or a number (15000000).",
    }
    schema["properties"]["channel"] = enum_schema(Channel)
    schema["properties"]["external_ref"] = {
        **_REF,
        "description": "The channel's ticket or tracking id; stored only as an HMAC under "
        "the service token.",
    }
    return schema


_SCHEMAS = {
    "IntakeReport": _intake_schema(),
    "IntakeFiled": {
        "type": "object",
        "required": ["case_code", "case_key"],
        "properties": {
            "case_code": {"type": "string"},
            "case_key": {
                "type": ["string", "null"],
                "description": "Hand it to the reporter and do not keep it. Null on a retry "
                "after the 24 hours the sealed copy is kept.",
            },
        },
    },
    "IntakeStatus": {
        "type": "object",
        "required": ["case_code", "external_ref", "status", "day"],
        "properties": {
            "case_code": {"type": "string"},
            "external_ref": _REF,
            "status": enum_schema(CoarseStatus),
            "day": {"type": "string", "format": "date"},
        },
    },
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "8-128 visible ASCII characters, the same on every retry of one report.",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{8,128}$"},
}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def register_intake_openapi() -> None:
    """Describe the intake operations in the API document."""
    register(
        paths={
            "/intake/reports": {
                "post": {
                    "summary": "File a report received by a channel (service account)",
                    "operationId": "intakeReport",
                    "security": _SERVICE,
                    "parameters": [_IDEMPOTENCY],
                    "requestBody": json_request_body(
                        {"$ref": "#/components/schemas/IntakeReport"}, REPORT_JSON_LIMIT
                    ),
                    "responses": {
                        "201": {
                            "description": "Filed (or the same Idempotency-Key again: header "
                            "Idempotent-Replayed: true, no second case).",
                            "content": _json("IntakeFiled"),
                        },
                        **error_responses(*JSON_BODY_ERRORS, 401, 409, 429, 503),
                    },
                }
            },
            "/intake/reports/{external_ref}": {
                "get": {
                    "summary": "The coarse status of a report this account filed",
                    "operationId": "intakeReportStatus",
                    "security": _SERVICE,
                    "parameters": [
                        {"name": "external_ref", "in": "path", "required": True, "schema": _REF}
                    ],
                    "responses": {
                        "200": {"description": "Its status", "content": _json("IntakeStatus")},
                        **error_responses(401, 404, 429),
                    },
                }
            },
        },
        schemas=_SCHEMAS,
        security_schemes={
            "ServiceToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "A service account's token (sipadu service-account create).",
            }
        },
    )
