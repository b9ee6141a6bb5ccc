"""The security baseline on every kind of response: headers, cookies, CSRF, size limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint, Flask, abort, request, session
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf

from sipadu.web.auth import public
from tests.conftest import build_app, make_settings
from tests.support.headers import check_security_headers
from tests.support.instance import Database


def _probe_blueprint() -> Blueprint:
    """Routes that exercise the baseline the way real forms and failures will (all public)."""
    bp = Blueprint("probe", __name__)

    @bp.route("/probe/form", methods=["GET", "POST"])
    @public
    def form() -> str:
        session["visited"] = True
        return "ok"

    @bp.get("/probe/token")
    @public
    def token() -> str:
        return str(generate_csrf())

    @bp.get("/probe/abort/<int:code>")
    @public
    def fail(code: int) -> str:
        abort(code)

    @bp.get("/probe/crash")
    @public
    def crash() -> str:
        raise RuntimeError("SECRET-REPORT-TEXT must never be shown")

    @bp.post("/probe/upload")
    @public
    def upload() -> str:
        return str(len(request.files))

    return bp


@pytest.fixture
def probe_app(tmp_path: Path, sqlite_database: Database) -> Flask:
    app = build_app(make_settings(tmp_path, sqlite_database, max_request_bytes=64 * 1024))
    app.register_blueprint(_probe_blueprint())
    return app


@pytest.fixture
def probe(probe_app: Flask) -> FlaskClient:
    return probe_app.test_client()


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/probe/abort/403", "/probe/crash"])
def test_headers_on_pages_and_errors(probe: FlaskClient, path: str) -> None:
    response = probe.get(path)
    check_security_headers(response)
    assert response.headers["Cache-Control"].startswith("no-store")


def test_static_files_get_headers_but_may_be_cached(probe: FlaskClient) -> None:
    response = probe.get("/static/css/sipadu.css")
    assert response.status_code == 200
    check_security_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_hsts_only_over_https(probe: FlaskClient) -> None:
    response = probe.get("/", base_url="https://sipadu.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(probe: FlaskClient) -> None:
    cookie = probe.get("/probe/form").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie


def test_secure_host_cookie_over_https(tmp_path: Path, sqlite_database: Database) -> None:
    app = build_app(make_settings(tmp_path, sqlite_database, base_url="https://sipadu.example"))
    app.register_blueprint(_probe_blueprint())
    cookie = (
        app.test_client()
        .get("/probe/form", base_url="https://sipadu.example")
        .headers["Set-Cookie"]
    )
    assert cookie.startswith("__Host-sipadu=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_csrf_is_enforced_with_a_clear_message(probe: FlaskClient) -> None:
    response = probe.post("/probe/form", data={"what": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Formulir ini sudah kedaluwarsa" in page
    assert "This form has expired" in page


def test_csrf_token_is_accepted(probe: FlaskClient) -> None:
    token = probe.get("/probe/token").get_data(as_text=True)
    assert probe.post("/probe/form", data={"csrf_token": token}).status_code == 200
    assert probe.post("/probe/form", data={"csrf_token": token[:-2] + "xx"}).status_code == 400


def test_oversized_request_is_413(probe: FlaskClient) -> None:
    big = b"x" * (100 * 1024)
    response = probe.post(
        "/probe/upload", data=big, headers={"Content-Type": "application/octet-stream"}
    )
    assert response.status_code == 413
    assert "Unggahan terlalu besar" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("code", "indonesian", "english"),
    [
        (400, "Permintaan tidak valid", "Invalid request"),
        (403, "Akses ditolak", "Access denied"),
        (404, "Halaman tidak ditemukan", "Page not found"),
        (405, "Metode tidak diizinkan", "Method not allowed"),
        (413, "Unggahan terlalu besar", "Upload too large"),
        (429, "Terlalu banyak permintaan", "Too many requests"),
        (500, "Terjadi kesalahan", "Something went wrong"),
    ],
)
def test_error_pages_in_both_languages(
    probe: FlaskClient, code: int, indonesian: str, english: str
) -> None:
    response = probe.get(f"/probe/abort/{code}")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert indonesian in page and english in page
    assert 'lang="en"' in page


def test_unexpected_error_leaks_nothing(
    probe: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = probe.get("/probe/crash")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "SECRET-REPORT-TEXT" not in page and "Traceback" not in page
    assert "RuntimeError" not in page
    assert "SECRET-REPORT-TEXT" not in caplog.text
    assert "RuntimeError" in caplog.text  # the operator still learns what kind of failure


def test_method_not_allowed_page(probe: FlaskClient) -> None:
    response = probe.delete("/")
    assert response.status_code == 405
    assert "Metode tidak diizinkan" in response.get_data(as_text=True)


def test_api_errors_are_json(probe: FlaskClient) -> None:
    response = probe.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]["code"] == "not_found"
    assert response.get_json()["error"]["message"]
