"""The reporter API's part of the OpenAPI document (``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

from sipadu.api.json_body import (
    JSON_BODY_ERRORS,
    MESSAGE_JSON_LIMIT,
    REPORT_JSON_LIMIT,
    json_request_body,
)
from sipadu.api.openapi import enum_schema, error_responses, register
from sipadu.cases.kinds import CATEGORIES

_TEXT = {"type": "string"}
_VERIFIED = {
    "type": "boolean",
    "description": (
        "False when the stored record does not open under its row's binding (moved, replayed "
        "or altered in the database): its content and author are then null."
    ),
}
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["category", "what"],
    "additionalProperties": False,
    "properties": {
        "category": enum_schema(CATEGORIES),
        "what": {"type": "string", "maxLength": 20000, "description": "What happened."},
        "who": {"type": "string", "maxLength": 2000},
        "where": {"type": "string", "maxLength": 2000},
        "when": {"type": "string", "maxLength": 200},
        "how": {"type": "string", "maxLength": 2000},
        "amount": {
            "type": "string",
            "maxLength": 30,
            "pattern": r"^[0-9.,Rp ]*$",
            "description": "Estimated loss or amount in Rupiah, e.g. 15.000.000.",
        },
        "source_of_knowledge": {"type": "string", "maxLength": 2000},
        "reported_elsewhere": {"type": "string", "maxLength": 2000},
        "location": {
            "type": "string",
            "maxLength": 16,
            "pattern": r"^31(\.[0-9]{2}){1,2}(\.[0-9]{4})?$",
            "description": (
                "Optional place of the incident in DKI Jakarta: the Kemendagri code of a "
                "kota/kabupaten (31.71), kecamatan (31.71.01) or kelurahan (31.71.01.1001). "
                "It routes the case; the kecamatan and kelurahan stay sealed in the report."
            ),
        },
        "agency": {
            "type": "string",
            "maxLength": 40,
            "description": (
                "Optional code of the reported agency (OPD/SKPD/UKPD) from the instance's list; "
                "it may route the case and stays sealed in the report."
            ),
        },
        "identity": {
            "type": "object",
            "description": "Optional; sealed separately.",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "maxLength": 200},
                "contact": {"type": "string", "maxLength": 200},
            },
        },
    },
}
FILES_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "filename": _TEXT,
            "cleaning": {
                "type": "array",
                "items": _TEXT,
                "description": "What metadata was removed.",
            },
        },
    },
}
CASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "case_code": _TEXT,
        "status": _TEXT,
        "status_label": _TEXT,
        "status_explanation": _TEXT,
        "may_object": {"type": "boolean"},
        "timeline": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": _TEXT,
                    "status": {"type": ["string", "null"]},
                    "text": {"type": ["string", "null"]},
                    "verified": _VERIFIED,
                    "date": {"type": "string", "format": "date"},
                },
            },
        },
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "from": {"type": ["string", "null"], "enum": ["reporter", "inspektorat", None]},
                    "body": {"type": ["string", "null"]},
                    "sent_on": {"type": ["string", "null"], "format": "date"},
                    "verified": _VERIFIED,
                },
            },
        },
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                    "filename": {"type": ["string", "null"]},
                    "content_type": {"type": ["string", "null"]},
                    "size": {"type": ["integer", "null"]},
                    "from": {"type": ["string", "null"]},
                    "verified": _VERIFIED,
                },
            },
        },
    },
}
_MULTIPART_FILES = {
    "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}}
}
_CASEKEY: list[dict[str, list[str]]] = [{"CaseKey": []}]
_ATTACHMENTS_DESCRIPTION = (
    "Either multipart/form-data with one or more parts named 'attachments', or one file as "
    "the whole body (application/octet-stream) with its name in a Content-Disposition "
    "header and a Content-Length (411 without one). The body form skips multipart "
    "parsing, for large files. Both are cleaned of metadata and encrypted as they arrive; "
    "a refused file (too large, damaged, cut short) leaves nothing stored."
)


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _report_body() -> dict[str, Any]:
    body = json_request_body({"$ref": "#/components/schemas/Report"}, REPORT_JSON_LIMIT)
    body["content"]["multipart/form-data"] = {
        "schema": {
            "type": "object",
            "properties": {
                "report": {
                    "type": "string",
                    "description": (
                        "The Report object as JSON text, within the same cap and rules."
                    ),
                },
                **_MULTIPART_FILES,
            },
        }
    }
    return body


def register_openapi() -> None:
    """Describe every reporter operation in the API document."""
    register(
        paths={
            "/reports": {
                "post": {
                    "summary": "File an anonymous report",
                    "operationId": "submitReport",
                    "security": [],
                    "requestBody": _report_body(),
                    "responses": {
                        "201": {
                            "description": "Filed; the case key is shown only in this response.",
                            "content": _json("SubmittedReport"),
                        },
                        **error_responses(*JSON_BODY_ERRORS, 429, 503),
                    },
                }
            },
            "/case": {
                "get": {
                    "summary": "Read the case the key opens",
                    "operationId": "getCase",
                    "security": _CASEKEY,
                    "responses": {
                        "200": {"description": "The case", "content": _json("Case")},
                        **error_responses(401, 429),
                    },
                }
            },
            "/case/messages": {
                "post": {
                    "summary": "Send a message to the Inspektorat",
                    "operationId": "postMessage",
                    "security": _CASEKEY,
                    "requestBody": json_request_body(
                        {
                            "type": "object",
                            "required": ["body"],
                            "additionalProperties": False,
                            "properties": {"body": {"type": "string", "maxLength": 20000}},
                        },
                        MESSAGE_JSON_LIMIT,
                    ),
                    "responses": {
                        "201": {"description": "Sent"},
                        # 409: the case is archived (read only).
                        **error_responses(401, 409, 429, *JSON_BODY_ERRORS),
                    },
                }
            },
            "/case/attachments": {
                "post": {
                    "summary": "Add evidence files",
                    "operationId": "postAttachments",
                    "description": _ATTACHMENTS_DESCRIPTION,
                    "security": _CASEKEY,
                    "parameters": [
                        {
                            "name": "Content-Disposition",
                            "in": "header",
                            "required": False,
                            "description": "For a file sent as the body: its name, e.g. "
                            "attachment; filename*=UTF-8''bukti%20rapat.pdf",
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {"type": "object", "properties": _MULTIPART_FILES}
                            },
                            "application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}
                            },
                        },
                    },
                    "responses": {
                        "201": {"description": "Stored; what was cleaned per file"},
                        # 409: the case is archived (read only).
                        **error_responses(401, 409, 411, 413, 422, 429),
                    },
                }
            },
        },
        schemas={
            "Report": REPORT_SCHEMA,
            "Case": CASE_SCHEMA,
            "SubmittedReport": {
                "type": "object",
                "required": ["case_code", "case_key"],
                "properties": {"case_code": _TEXT, "case_key": _TEXT, "attachments": FILES_SCHEMA},
            },
        },
        security_schemes={
            "CaseKey": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "The reporter's case key: 'Authorization: CaseKey <case key>'.",
            }
        },
    )
