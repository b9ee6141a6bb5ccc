"""Every route the app has — now and in future — answers with the security headers, never a
5xx for a bare request, and has an access rule (deny by default)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from sipadu.db import db_session
from sipadu.web.auth import all_endpoint_rules
from tests.support.factories import make_staff
from tests.support.headers import check_security_headers

_PLACEHOLDER = {"int": "1", "path": "x", "string": "SPD-0000000", "default": "x"}


def _concrete(rule: str) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "default"
        return _PLACEHOLDER.get(converter.split("(")[0], "x")

    return re.sub(r"<(?:([a-z]+(?:\([^)]*\))?):)?[a-z_]+>", fill, rule)


def test_every_route_has_headers_and_no_5xx(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        # Without an approved supervisor the report routes answer 503 "not ready" by design.
        make_staff(sqlite_app, db_session())
        db_session().commit()
    client = sqlite_app.test_client()
    checked = 0
    for rule in sqlite_app.url_map.iter_rules():
        path = _concrete(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            assert response.status_code < 500, f"{method} {path} -> {response.status_code}"
            check_security_headers(response)
            checked += 1
    assert checked >= 3


def test_every_endpoint_has_an_access_rule(sqlite_app: Flask) -> None:
    missing = [name for name, rule in all_endpoint_rules(sqlite_app).items() if rule is None]
    assert missing == [], f"endpoints without @public or @require_roles: {missing}"


@pytest.mark.parametrize("path", ["/api/v1/openapi.json"])
def test_openapi_document_is_served(sqlite_app: Flask, path: str) -> None:
    response = sqlite_app.test_client().get(path)
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert "Set-Cookie" not in response.headers
