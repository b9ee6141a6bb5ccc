"""Every follow-up route past the case key form admits only a signed-in reporter.

The routes are read from the app's URL map: a new follow-up route that forgets
``@reporter_required`` fails here."""

from __future__ import annotations

import pytest
from flask import Flask

from sipadu.reporting.reporter_login import requires_reporter
from sipadu.sessions.web import REPORTER_COOKIE
from tests.reporting.conftest import Ready, case_key_of, login, submit

# The routes a browser uses before (or to end) a reporter session.
ENTRY_ENDPOINTS = {"followup.enter_key", "followup.login", "followup.logout"}


def _guarded_routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("followup.") and rule.endpoint not in ENTRY_ENDPOINTS:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, rule.rule))
    return routes


def test_the_guarded_routes_are_found(ready: Ready) -> None:
    endpoints = {endpoint for endpoint, _method, _path in _guarded_routes(ready.app)}
    assert {"followup.case_page", "followup.reply", "followup.add_evidence"} <= endpoints
    assert len(endpoints) >= 5


def test_every_reporter_route_carries_the_decorator(ready: Ready) -> None:
    unguarded = [
        endpoint
        for endpoint, _method, _path in _guarded_routes(ready.app)
        if not requires_reporter(ready.app.view_functions[endpoint])
    ]
    assert unguarded == []


@pytest.mark.parametrize("cookie", [None, "forged-or-ended-session-token"])
def test_an_unauthenticated_reporter_is_refused_on_every_route(
    ready: Ready, cookie: str | None
) -> None:
    ready.app.config["WTF_CSRF_ENABLED"] = False  # refused by the login check, not by CSRF
    for endpoint, method, path in _guarded_routes(ready.app):
        client = ready.app.test_client()
        if cookie:
            client.set_cookie(REPORTER_COOKIE, cookie)
        response = client.open(path, method=method, data={"body": "x", "objection": "x"})
        where = f"{method} {path} ({endpoint})"
        assert response.status_code == 303, where
        assert response.headers["Location"].endswith("/kasus"), where
        notice = client.get("/kasus").get_data(as_text=True)
        if cookie:  # a session that existed has ended
            assert "Sesi Anda telah berakhir" in notice, where
        else:  # never opened: nothing "expired", the visitor is asked for the key
            assert "Untuk membuka kasus Anda, masukkan kunci kasus." in notice, where
            assert "berakhir" not in notice, where


def test_a_signed_in_reporter_is_admitted(ready: Ready) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    assert login(client, key).status_code == 303
    page = client.get("/kasus/saya")
    assert page.status_code == 200
    assert key[:10] in page.get_data(as_text=True)
