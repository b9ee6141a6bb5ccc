"""The OpenAPI document lists the same domain words the code checks against: its ``enum``
lists come from the StrEnums (and tuples) defined once, not from copies."""

from __future__ import annotations

from typing import Any

from flask import Flask

from sipadu.api.openapi import enum_schema
from sipadu.cases.kinds import Category
from sipadu.cases.statuses import Destination, ForwardResult, Outcome
from sipadu.casework.inbox import DUE_FILTERS, SORTS


def _document(app: Flask) -> dict[str, Any]:
    document: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").get_json()
    return document


def _query_parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = document["paths"][path]["get"]["parameters"]
    schema: dict[str, Any] = next(p["schema"] for p in parameters if p["name"] == name)
    return schema


def test_document_enums_are_the_code_enums(app: Flask) -> None:
    document = _document(app)
    schemas = document["components"]["schemas"]
    assert schemas["Report"]["properties"]["category"]["enum"] == [c.value for c in Category]
    change = schemas["StatusChangeIn"]["properties"]
    assert change["outcome"]["enum"] == [o.value for o in Outcome]
    assert change["destination"]["enum"] == [d.value for d in Destination]
    assert "lapor" in change["destination"]["enum"]
    assert change["forward_result"]["enum"] == [r.value for r in ForwardResult]
    assert change["reference"]["maxLength"] == 64
    assert _query_parameter(document, "/staff/cases", "sort")["enum"] == list(SORTS)
    assert _query_parameter(document, "/staff/cases", "due")["enum"] == list(DUE_FILTERS)


def test_enum_schema_lists_values_in_definition_order() -> None:
    assert enum_schema(Outcome) == {"type": "string", "enum": ["terbukti", "tidak_terbukti"]}
    assert enum_schema(("a", "b"), nullable=True) == {
        "type": ["string", "null"],
        "enum": ["a", "b", None],
    }
