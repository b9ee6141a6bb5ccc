"""The security headers every SIPADU response carries, checked the same way everywhere."""

from __future__ import annotations

from werkzeug.test import TestResponse

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def check_security_headers(response: TestResponse) -> None:
    """Assert the baseline headers and a strict Content-Security-Policy (plain HTTP: no HSTS)."""
    headers = response.headers
    for name, value in EXPECTED_HEADERS.items():
        assert headers.get(name) == value, name
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "http:" not in policy and "https:" not in policy and "*" not in policy
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP here
