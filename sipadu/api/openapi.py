"""The OpenAPI document at /api/v1/openapi.json, assembled from each domain's fragment.

Each domain's API module calls :func:`register` at import with its paths, schemas and
security schemes, so no single file has to be edited by every feature.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

_PATHS: dict[str, dict[str, Any]] = {}
_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "description": ("Field name (dotted when nested) to what is wrong with it"),
                        "additionalProperties": {"type": "string"},
                    },
                },
            }
        },
    },
}
_SECURITY: dict[str, Any] = {}


def register(
    paths: Mapping[str, Any],
    schemas: Mapping[str, Any] | None = None,
    security_schemes: Mapping[str, Any] | None = None,
) -> None:
    """Add a domain's operations; a path may gather methods from several domains."""
    for path, operations in paths.items():
        _PATHS.setdefault(path, {}).update(copy.deepcopy(dict(operations)))
    _SCHEMAS.update(copy.deepcopy(dict(schemas or {})))
    _SECURITY.update(copy.deepcopy(dict(security_schemes or {})))


def enum_schema(values: Iterable[str], *, nullable: bool = False) -> dict[str, Any]:
    """A string schema admitting exactly ``values``: pass the StrEnum (or the tuple) the code
    checks against, never a copied list, so the document cannot drift from the code."""
    listed: list[str | None] = [str(value) for value in values]
    if nullable:
        return {"type": ["string", "null"], "enum": [*listed, None]}
    return {"type": "string", "enum": listed}


def error_responses(*codes: int) -> dict[str, Any]:
    """Standard error responses for an operation."""
    return {
        str(code): {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


def document() -> dict[str, Any]:
    """The full OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SIPADU API",
            "version": "1",
            "description": "Anonymous reports and case work for the Inspektorat. "
            "Token auth only: the API never sets cookies.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": copy.deepcopy(_PATHS),
        "components": {
            "schemas": copy.deepcopy(_SCHEMAS),
            "securitySchemes": copy.deepcopy(_SECURITY),
        },
    }
