"""Schemathesis against /api/v1/openapi.json, in-process through the WSGI app.

Every documented operation gets generated requests (positive and negative data), once with no
credentials and once with live ones (the reporter's case key on reporter operations, a
supervisor's Bearer token on staff operations). Every response must be a non-5xx that the
document describes: status code, content type, headers and body schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok

from tests.fuzz.conftest import Credentials

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# 25 examples per operation and generation mode keeps the whole file near a minute.
EXAMPLES = 25
PUBLIC = frozenset({"/reports"})


def _headers_for(path: str, creds: Credentials | None) -> dict[str, str]:
    if creds is None:
        return {}
    if path.startswith("/staff/"):
        return {"Authorization": f"Bearer {creds.bearer}"}
    if path.startswith("/intake/"):
        return {"Authorization": f"Bearer {creds.service_token}"}
    return {"Authorization": f"CaseKey {creds.case_key}"}


def _path_parameters(path: str, creds: Credentials | None) -> st.SearchStrategy[Any]:
    """Sometimes the real case code, so authorised calls reach past the access check."""
    if creds is None or "{code}" not in path:
        return st.none()
    return st.sampled_from([None, creds.case_code])


def _fuzz(app: Flask, creds: Credentials | None) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 11, "the document lost operations"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run = _runner(operation, mode, creds, failures)
            run()
    return failures


def _runner(
    operation: Any, mode: GenerationMode, creds: Credentials | None, failures: list[str]
) -> Callable[[], None]:
    path = operation.path
    headers = _headers_for(path, creds)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), code=_path_parameters(path, creds))
    def run(case: Any, code: str | None) -> None:
        if code is not None and isinstance(case.path_parameters, dict):
            case.path_parameters["code"] = code
        label = f"{operation.method.upper()} {path} [{mode.value}]"
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
        except (FailureGroup, Exception) as error:  # collect all, report them together
            failures.append(f"{label}: {type(error).__name__}: {str(error)[:600]}")
            return
        if creds is None and path not in PUBLIC and response.status_code < 400:
            failures.append(f"{label}: answered {response.status_code} without credentials")

    return run


def test_api_schema_without_credentials(fuzz_app: Flask, credentials: Credentials) -> None:
    failures = _fuzz(fuzz_app, None)
    assert not failures, "\n\n".join(dict.fromkeys(failures))


def test_api_schema_with_credentials(fuzz_app: Flask, credentials: Credentials) -> None:
    failures = _fuzz(fuzz_app, credentials)
    assert not failures, "\n\n".join(dict.fromkeys(failures))


def test_every_api_route_is_documented(fuzz_app: Flask) -> None:
    """Schemathesis only reaches what the document names: no API route may be missing."""
    document = fuzz_app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method.lower())
        for rule in fuzz_app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert routes <= documented, routes - documented
