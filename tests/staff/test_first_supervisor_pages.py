"""The first supervisor is told the way that works: while no approved supervisor exists, the
admin's link page and the supervisor's Activations page name the escrow holder's command, not
an approval by "another supervisor" nobody could give. A supervisor holding no open case is
not told a colleague "already holds every open case you hold"."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.staff.accountkit import (  # noqa: F401  (settings: fixture)
    complete_link,
    link_token,
    settings,
    signed_in,
)
from tests.support.forms import submit

ESCROW_COMMAND = "sipadu escrow approve --to"


def _create(admin: FlaskClient, username: str) -> str:
    shown = submit(
        admin,
        admin.get("/admin/"),
        "/admin/accounts",
        fill={"username": username, "role": "supervisor"},
        follow_redirects=True,
    )
    assert shown.status_code == 200
    return shown.get_data(as_text=True)


def test_with_no_approved_supervisor_both_pages_name_the_escrow_holder(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    page = _create(admin, "pertama")
    assert f"{ESCROW_COMMAND} pertama --key FILE" in page
    assert "another supervisor approves" not in page
    owner = complete_link(app, link_token(page))
    activations = owner.client.get("/staff/activations/").get_data(as_text=True)
    assert f"{ESCROW_COMMAND} pertama --key FILE" in activations
    assert "another supervisor's approval" not in activations


def test_with_an_approved_supervisor_the_pages_keep_the_four_eyes_way(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    signed_in(app, "supervisor")
    page = _create(admin, "kedua")
    assert "another supervisor approves" in page and ESCROW_COMMAND not in page
    owner = complete_link(app, link_token(page))
    activations = owner.client.get("/staff/activations/").get_data(as_text=True)
    assert "another supervisor's approval" in activations and ESCROW_COMMAND not in activations


def test_a_supervisor_holding_no_open_case_is_told_so(app: Flask) -> None:
    first, _ = signed_in(app, "supervisor")
    _, other = signed_in(app, "supervisor")
    page = first.get("/staff/activations/").get_data(as_text=True)
    assert other.username in page
    assert "already holds every open case you hold" not in page
    assert "you hold no open case to share" in page
