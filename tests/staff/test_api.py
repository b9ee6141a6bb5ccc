"""POST/DELETE /api/v1/staff/sessions: tokens, no hints, replay, throttle, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from sipadu.db import db_session
from tests.conftest import build_app, make_settings
from tests.support.instance import Database
from tests.support.staff import enrolled


@pytest.fixture
def api_app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    application = build_app(make_settings(tmp_path, sqlite_database, rate_limits_enabled=False))
    yield application
    application.extensions["sipadu.engine"].dispose()


def test_token_login_use_and_logout(api_app: Flask) -> None:
    with api_app.app_context():
        person = enrolled(api_app, db_session())
    client = api_app.test_client()
    response = client.post(
        "/api/v1/staff/sessions",
        json={"username": person.username, "password": person.password, "totp": person.code()},
    )
    assert response.status_code == 201 and "Set-Cookie" not in response.headers
    token = response.get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/staff/sessions/current", headers=bearer).status_code == 204
    again = client.delete("/api/v1/staff/sessions/current", headers=bearer)
    assert again.status_code == 401 and again.get_json()["error"]["code"]


def test_bad_credentials_give_one_401_without_hint(api_app: Flask) -> None:
    with api_app.app_context():
        person = enrolled(api_app, db_session())
    client = api_app.test_client()
    bodies = []
    for body in (
        {"username": person.username, "password": "salah-sekali", "totp": "1"},
        {"username": "hantu", "password": person.password, "totp": person.code()},
        {"username": person.username, "password": person.password, "totp": "000000"},
    ):
        response = client.post("/api/v1/staff/sessions", json=body)
        assert response.status_code == 401
        bodies.append(response.get_json())
    assert all(body == bodies[0] for body in bodies)
    # A body of the wrong shape is refused as such (it says nothing about any account).
    assert client.post("/api/v1/staff/sessions", json={"nonsense": True}).status_code == 422
    assert client.post("/api/v1/staff/sessions", json=["not", "an", "object"]).status_code == 400


def test_replayed_code_is_refused(api_app: Flask) -> None:
    with api_app.app_context():
        person = enrolled(api_app, db_session())
    client = api_app.test_client()
    body = {"username": person.username, "password": person.password, "totp": person.code()}
    assert client.post("/api/v1/staff/sessions", json=body).status_code == 201
    assert client.post("/api/v1/staff/sessions", json=body).status_code == 401


def test_throttled_account_looks_like_a_failure(api_app: Flask) -> None:
    with api_app.app_context():
        person = enrolled(api_app, db_session())
    client = api_app.test_client()
    for _ in range(4):
        client.post(
            "/api/v1/staff/sessions",
            json={"username": person.username, "password": "salah-sekali", "totp": "1"},
        )
    response = client.post(
        "/api/v1/staff/sessions",
        json={"username": person.username, "password": person.password, "totp": person.code()},
    )
    unknown = client.post(
        "/api/v1/staff/sessions",
        json={"username": "tidak-ada-orangnya", "password": person.password, "totp": "123456"},
    )
    # Even the right password is refused while throttled, and the answer is the one an
    # unknown username gets: throttling must not reveal that the account exists.
    assert response.status_code == unknown.status_code == 401
    assert response.get_json() == unknown.get_json()
    assert "Retry-After" not in response.headers


def test_api_token_is_not_a_page_cookie(api_app: Flask) -> None:
    with api_app.app_context():
        person = enrolled(api_app, db_session())
    client = api_app.test_client()
    token = client.post(
        "/api/v1/staff/sessions",
        json={"username": person.username, "password": person.password, "totp": person.code()},
    ).get_json()["token"]
    client.set_cookie("sipadu_staff", token)
    assert client.get("/staff/").status_code == 303  # channel "api" never opens pages


def test_openapi_describes_the_operations(api_app: Flask) -> None:
    document = api_app.test_client().get("/api/v1/openapi.json").get_json()
    assert "post" in document["paths"]["/staff/sessions"]
    assert "delete" in document["paths"]["/staff/sessions/current"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_an_oversized_password_is_refused_without_work(api_app: Flask) -> None:
    with api_app.app_context():
        person = enrolled(api_app, db_session())
    response = api_app.test_client().post(
        "/api/v1/staff/sessions",
        json={"username": person.username, "password": "x" * 2_000_000, "totp": "123456"},
    )
    assert response.status_code == 413  # over the 64 KiB body cap: not even parsed
    response = api_app.test_client().post(
        "/api/v1/staff/sessions",
        json={"username": person.username, "password": "x" * 50_000, "totp": "123456"},
    )
    assert response.status_code == 401
