"""No redirect that takes a visitor's target leaves the site, and none answers a 500.

Every endpoint that redirects to a supplied ``next`` is tried with tabs, line breaks, other
control characters, backslashes, "//" hosts, schemes, non-ASCII look-alikes and their
percent-encoded (once and twice) forms. The targets are written as the raw query or form
text an attacker would put in a link.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask import Flask

from sipadu.db import db_session
from sipadu.web.redirects import is_safe_target, safe_target
from tests.conftest import build_app, make_settings
from tests.support.forms import find_form, submit
from tests.support.instance import Database
from tests.support.staff import Enrolled, enrolled

# Raw (already percent-encoded) query/form values; the request decodes them once.
HOSTILE = [
    "/%09/evil.example",  # tab: browsers drop it, leaving //evil.example
    "/%0d/evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/x%0d%0aSet-Cookie:%20a=b",
    "%0d%0aLocation:%20//evil.example",
    "/%00/evil.example",
    "/%7f/evil.example",
    "/%c2%85/evil.example",  # NUL, DEL, C1 NEL
    "/%5cevil.example",
    "/%5c/evil.example",
    "%5c%5cevil.example",  # backslashes
    "//evil.example",
    "///evil.example",
    "/%2f/evil.example",
    "%2f%2fevil.example",
    "/%252f/evil.example",
    "/%255c/evil.example",
    "/%2509/evil.example",  # encoded twice
    "/%250a/evil.example",
    "/%25e3%2580%2582evil.example",
    "/.//evil.example",
    "%20//evil.example",
    "/%20/evil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "%6a%61vascript:alert(1)",
    "evil.example",
    "",
    "/%e3%80%82evil.example",
    "/%ef%bc%8f%ef%bc%8fevil.example",  # ideographic dot, fullwidth /
    "/%ff/evil.example",  # not UTF-8
    "/" + "a" * 3000,
]
SAFE = [
    "/",
    "/staff/",
    "/petugas/kasus/SPD-ABC123",
    "/petugas/kasus?status=baru&page=2",
    "/kasus/saya",
]


@pytest.mark.parametrize("target", SAFE)
def test_own_paths_are_kept(target: str) -> None:
    assert is_safe_target(target) and safe_target(target, "/home") == target


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_targets_fall_back(raw: str) -> None:
    # What the view gets: the request has decoded the query once.
    assert safe_target(unquote(raw, errors="replace"), "/home") == "/home"


@pytest.mark.parametrize("target", [None, 5, b"/x", ["/x"]])
def test_non_strings_fall_back(target: object) -> None:
    assert safe_target(target, "/home") == "/home"


@pytest.fixture(scope="module")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One SQLite app for the module, without rate limits (it signs in many times)."""
    tmp = tmp_path_factory.mktemp("redirects")
    application = build_app(
        make_settings(
            Path(tmp),
            Database("sqlite", f"sqlite:///{tmp / 'sipadu.sqlite3'}"),
            rate_limits_enabled=False,
        )
    )
    yield application
    application.extensions["sipadu.engine"].dispose()


@pytest.fixture(scope="module")
def person(web_app: Flask) -> Enrolled:
    with web_app.app_context():
        return enrolled(web_app, db_session())


def _forget(person: Enrolled) -> None:
    from sipadu.accounts.models import StaffAccount

    # Each sign-in uses the current code; let the next one reuse it.
    db = db_session()
    account = db.get(StaffAccount, person.account_id)
    assert account is not None
    account.totp_last_step = None
    db.commit()


@pytest.mark.parametrize("raw", HOSTILE)
def test_language_switch_stays_on_the_site(web_app: Flask, raw: str) -> None:
    answer = web_app.test_client().get(f"/bahasa/en?next={raw}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/"


@pytest.mark.parametrize("raw", HOSTILE)
def test_staff_login_next_stays_on_the_site(web_app: Flask, person: Enrolled, raw: str) -> None:
    client = web_app.test_client()
    with web_app.app_context():
        page = client.get(f"/staff/login?next={raw}")
        assert page.status_code == 200
        # The page does not carry the hostile target into its form.
        assert "next" not in find_form(page, "/staff/login").names()
        signed_in = submit(
            client,
            page,
            "/staff/login",
            fill={"username": person.username, "password": person.password, "totp": person.code()},
        )
        assert signed_in.status_code == 303
        assert signed_in.headers["Location"] == "/staff/"
        _forget(person)
        # A hand-made post with the target (what a forged form would send).
        token = find_form(client.get("/staff/login"), "/staff/login").controls[0].value
        posted = client.post(
            "/staff/login",
            data=f"csrf_token={token}&username="
            f"{person.username}&password={person.password}&totp="
            f"{person.code()}&next={raw}",
            content_type="application/x-www-form-urlencoded",
        )
        assert posted.status_code == 303
        assert posted.headers["Location"] == "/staff/"
        _forget(person)


def test_a_safe_next_survives_the_login_form(web_app: Flask, person: Enrolled) -> None:
    client = web_app.test_client()
    # A protected page sends the visitor to the login page with its own path as next.
    bounced = client.get("/petugas/kasus")
    assert bounced.status_code == 303
    assert bounced.headers["Location"] == "/staff/login?next=/petugas/kasus"
    with web_app.app_context():
        page = client.get(bounced.headers["Location"])
        form = find_form(page, "/staff/login")
        assert "next" in form.names()
        answer = submit(
            client,
            page,
            "/staff/login",
            fill={"username": person.username, "password": person.password, "totp": person.code()},
        )
        _forget(person)
    assert answer.status_code == 303 and answer.headers["Location"] == "/petugas/kasus"
