"""The staff case API in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from sipadu.api.json_body import (
    DEFAULT_JSON_LIMIT,
    JSON_BODY_ERRORS,
    MESSAGE_JSON_LIMIT,
    json_request_body,
)
from sipadu.api.openapi import enum_schema, error_responses, register
from sipadu.cases.statuses import Destination, ForwardResult, Outcome
from sipadu.cases.workflow import MAX_REFERENCE_CHARS
from sipadu.casework.inbox import COUNT_CAP, DUE_FILTERS, SORTS

_BASE = "/staff/cases"
_CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "Public case code, e.g. SPD-7K3Q9M",
}
_BEARER: list[dict[str, list[str]]] = [{"staffBearer": []}]
_FILTERS = [
    {"name": "status", "in": "query", "schema": {"type": "string"}},
    {"name": "category", "in": "query", "schema": {"type": "string"}},
    {
        "name": "mine",
        "in": "query",
        "schema": {"type": "boolean"},
        "description": "Only cases assigned to the caller",
    },
    {"name": "due", "in": "query", "schema": enum_schema(DUE_FILTERS)},
    {
        "name": "sort",
        "in": "query",
        "schema": enum_schema(SORTS),
    },
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
]


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _body(schema: str, max_bytes: int) -> dict[str, Any]:
    return json_request_body({"$ref": f"#/components/schemas/{schema}"}, max_bytes)


def _op(
    summary: str, ok: str, ok_body: dict[str, Any], errors: tuple[int, ...], **extra: Any
) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": _BEARER,
        "tags": ["staff cases"],
        "responses": {ok: {"description": "OK", **ok_body}, **error_responses(*errors)},
        **extra,
    }


_OBJECT = {"type": "object"}
# Random per-record identifiers: they carry no order across cases (docs/audit.md).
_PUBLIC_ID = {
    "type": "string",
    "pattern": "^[0-9a-f]{32}$",
    "description": (
        "Random identifier of the record (null for a message stored before the record format "
        "upgrade, until its case is next written)"
    ),
}
SCHEMAS = {
    "StaffInbox": {
        "type": "object",
        "required": ["cases", "total", "total_is_exact", "has_next", "page", "per_page", "pages"],
        "properties": {
            "cases": {"type": "array", "items": _OBJECT},
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": (
                    f"Cases matching, counted up to {COUNT_CAP:,}. When total_is_exact is false, "
                    "more than this many match."
                ),
            },
            "total_is_exact": {"type": "boolean"},
            "has_next": {"type": "boolean", "description": "A further page exists"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {
                "type": "integer",
                "description": (
                    "Pages known to exist: all of them when total_is_exact is true, otherwise a "
                    "lower bound"
                ),
            },
        },
    },
    "StaffCase": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "status": {"type": "string"},
            "report": _OBJECT,
            "attachments": {
                "type": "array",
                "items": {"type": "object", "properties": {"id": _PUBLIC_ID}},
            },
            "timeline": {"type": "array", "items": _OBJECT},
            "messages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": {**_PUBLIC_ID, "type": ["string", "null"]}},
                },
            },
            "allowed_statuses": {"type": "array", "items": {"type": "string"}},
            "forwarding": {
                "type": ["object", "null"],
                "properties": {
                    "destination": enum_schema(Destination),
                    "reference": {"type": ["string", "null"]},
                    "reference_verified": {"type": "boolean"},
                    "result": enum_schema(ForwardResult, nullable=True),
                },
            },
        },
    },
    "StaffMessageIn": {
        "type": "object",
        "required": ["body", "internal"],
        "additionalProperties": False,
        "properties": {
            "body": {"type": "string", "maxLength": 20000},
            "internal": {
                "type": "boolean",
                "description": "true: an internal note; false: a message to the reporter",
            },
        },
    },
    "StatusChangeIn": {
        "type": "object",
        "required": ["status"],
        "additionalProperties": False,
        "properties": {
            "status": {"type": "string"},
            "reason": {"type": "string"},
            "outcome": enum_schema(Outcome),
            "destination": enum_schema(Destination),
            "reference": {
                "type": "string",
                "maxLength": MAX_REFERENCE_CHARS,
                "description": (
                    "The receiving institution's reference number (forwarding only): letters, "
                    "digits and - / . _ : — staff-only, sealed, never logged"
                ),
            },
            "forward_result": {
                **enum_schema(ForwardResult),
                "description": "The receiving institution's outcome (diteruskan → selesai)",
            },
        },
    },
    "AssignmentIn": {
        "type": "object",
        "required": ["username"],
        "additionalProperties": False,
        "properties": {"username": {"type": "string"}},
    },
    "ForwardRequested": {
        "type": "object",
        "required": ["case_code", "status", "forward_request"],
        "properties": {
            "case_code": {"type": "string"},
            "status": {"type": "string"},
            "forward_request": {
                "type": "object",
                "required": ["id", "state", "expires_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "state": {"type": "string", "enum": ["pending"]},
                    "expires_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
    "CaseActionResult": {
        "type": "object",
        "properties": {
            "case_code": {"type": "string"},
            "status": {"type": "string"},
            "message_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        },
    },
}


def _status_change() -> dict[str, Any]:
    operation = _op(
        "Change the case status (forwarding: 202, a second supervisor approves)",
        "200",
        _json("CaseActionResult"),
        (401, 403, 409, *JSON_BODY_ERRORS),
        parameters=[_CODE],
        requestBody=_body("StatusChangeIn", MESSAGE_JSON_LIMIT),
    )
    # Forwarding is four-eyes: the status stays until another supervisor holding the case
    # approves the request on the case page.
    operation["responses"]["202"] = {
        "description": "Forwarding requested; the status changes when it is approved",
        **_json("ForwardRequested"),
    }
    return operation


def describe() -> None:
    """Register the operations (called once at import of the API module)."""

    register(
        {
            _BASE: {
                "get": _op(
                    "The caller's inbox",
                    "200",
                    _json("StaffInbox"),
                    (401, 403),
                    parameters=_FILTERS,
                )
            },
            f"{_BASE}/{{code}}": {
                "get": _op(
                    "One case, decrypted (403 also for unknown codes)",
                    "200",
                    _json("StaffCase"),
                    (401, 403),
                    parameters=[_CODE],
                )
            },
            f"{_BASE}/{{code}}/messages": {
                "post": _op(
                    "Message to the reporter or internal note",
                    "201",
                    _json("CaseActionResult"),
                    (401, 403, *JSON_BODY_ERRORS),
                    parameters=[_CODE],
                    requestBody=_body("StaffMessageIn", MESSAGE_JSON_LIMIT),
                )
            },
            f"{_BASE}/{{code}}/status": {"post": _status_change()},
            f"{_BASE}/{{code}}/assignments": {
                "post": _op(
                    "Assign an investigator (supervisors)",
                    "201",
                    _json("CaseActionResult"),
                    (401, 403, *JSON_BODY_ERRORS),
                    parameters=[_CODE],
                    requestBody=_body("AssignmentIn", DEFAULT_JSON_LIMIT),
                )
            },
            f"{_BASE}/{{code}}/assignments/{{username}}": {
                "delete": _op(
                    "Unassign an investigator (supervisors)",
                    "204",
                    {},
                    (401, 403, 422),
                    parameters=[
                        _CODE,
                        {
                            "name": "username",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                )
            },
            f"{_BASE}/{{code}}/attachments/{{attachment_id}}": {
                "get": _op(
                    "Download one attachment (streamed, decrypted)",
                    "200",
                    {
                        "content": {
                            "application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}
                            }
                        }
                    },
                    (401, 403, 404),
                    parameters=[
                        _CODE,
                        {
                            "name": "attachment_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                        },
                    ],
                )
            },
        },
        SCHEMAS,
        {
            "staffBearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "Token from POST /staff/sessions",
            }
        },
    )
