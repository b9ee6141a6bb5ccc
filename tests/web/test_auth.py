"""Deny by default: endpoints without a rule fail closed; roles are enforced everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Blueprint, Flask, g
from flask.testing import FlaskClient

from sipadu.web.auth import (
    PUBLIC,
    ROLES,
    AccessRule,
    ConflictingAccessRuleError,
    Principal,
    UnknownRoleError,
    all_endpoint_rules,
    allow_public,
    current_principal,
    public,
    require_roles,
    set_principal_loader,
)
from tests.conftest import build_app, make_settings
from tests.support.instance import Database


@dataclass(frozen=True)
class Staff:
    role: str
    staff_id: int = 7


def _blueprint() -> Blueprint:
    bp = Blueprint("probe_auth", __name__)

    @bp.get("/t/open")
    @public
    def open_page() -> str:
        return "open"

    @bp.get("/t/cases")
    @require_roles("supervisor", "investigator")
    def cases() -> str:
        principal = current_principal()
        assert principal is not None
        return f"cases for {principal.staff_id}"

    @bp.get("/t/audit")
    @require_roles("auditor")
    def audit() -> str:
        return "audit"

    @bp.get("/t/forgotten")
    def forgotten() -> str:
        return "SHOULD-NOT-BE-SEEN"

    @require_roles("admin")  # above the route decorator: Flask registered the bare view
    @bp.get("/t/misordered")
    def misordered() -> str:
        return "SHOULD-NOT-BE-SEEN"

    @bp.get("/api/v1/t/cases")
    @require_roles("supervisor")
    def api_cases() -> dict[str, str]:
        return {"ok": "yes"}

    @bp.get("/api/v1/t/forgotten")
    def api_forgotten() -> dict[str, str]:
        return {"ok": "SHOULD-NOT-BE-SEEN"}

    @bp.get("/t/listed")
    def listed() -> str:
        return "listed"

    return bp


@pytest.fixture
def app(tmp_path: Path, sqlite_database: Database) -> Flask:
    application = build_app(make_settings(tmp_path, sqlite_database))
    application.register_blueprint(_blueprint())
    allow_public(application, "probe_auth.listed")
    return application


def _as(app: Flask, role: str | None) -> FlaskClient:
    """A client whose requests carry ``role`` as the principal (None: anonymous)."""
    set_principal_loader(app, lambda: Staff(role) if role else None)
    return app.test_client()


def test_foundation_endpoints_are_public(app: Flask) -> None:
    rules = all_endpoint_rules(app)
    for endpoint in ("static", "public.landing", "i18n.switch_language"):
        assert rules[endpoint] == PUBLIC
    client = _as(app, None)
    assert client.get("/").status_code == 200
    assert client.get("/static/css/sipadu.css").status_code == 200
    assert client.get("/bahasa/en").status_code == 303


def test_every_endpoint_of_the_real_app_has_a_rule(sqlite_app: Flask) -> None:
    missing = [
        endpoint for endpoint, rule in all_endpoint_rules(sqlite_app).items() if rule is None
    ]
    assert missing == []


def test_all_endpoint_rules_reports_what_is_missing(app: Flask) -> None:
    rules = all_endpoint_rules(app)
    assert rules["probe_auth.forgotten"] is None
    assert rules["probe_auth.misordered"] is None
    assert rules["probe_auth.open_page"] == PUBLIC
    assert rules["probe_auth.listed"] == PUBLIC
    assert rules["probe_auth.cases"] == AccessRule(False, frozenset({"supervisor", "investigator"}))
    assert set(rules) == set(app.view_functions)


@pytest.mark.parametrize("role", [None, *sorted(ROLES)])
@pytest.mark.parametrize("path", ["/t/forgotten", "/t/misordered"])
def test_an_endpoint_without_a_rule_fails_closed_for_everyone(
    app: Flask,
    role: str | None,
    path: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = _as(app, role).get(path)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "SHOULD-NOT-BE-SEEN" not in page
    assert "Akses ditolak" in page and "Access denied" in page
    assert "without an access rule" in caplog.text


@pytest.mark.parametrize("role", [None, *sorted(ROLES)])
def test_api_endpoint_without_a_rule_fails_closed_as_json(app: Flask, role: str | None) -> None:
    response = _as(app, role).get("/api/v1/t/forgotten")
    assert response.status_code == 403 and response.is_json
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supervisor", 200),
        ("investigator", 200),
        ("auditor", 403),
        ("intake_officer", 403),
        ("admin", 403),
    ],
)
def test_roles_matrix_for_the_web(app: Flask, role: str, status: int) -> None:
    response = _as(app, role).get("/t/cases")
    assert response.status_code == status
    if status == 200:
        assert response.get_data(as_text=True) == "cases for 7"
    else:
        assert "Akses ditolak" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supervisor", 200),
        ("investigator", 403),
        ("auditor", 403),
        ("intake_officer", 403),
        ("admin", 403),
    ],
)
def test_roles_matrix_for_the_api(app: Flask, role: str, status: int) -> None:
    response = _as(app, role).get("/api/v1/t/cases")
    assert response.status_code == status and response.is_json


def test_anonymous_api_call_is_401_json(app: Flask) -> None:
    response = _as(app, None).get("/api/v1/t/cases")
    assert response.status_code == 401 and response.is_json
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_page_without_a_login_page_is_a_bilingual_401(app: Flask) -> None:
    app.extensions["sipadu.auth"].login_endpoint = "no_such.login"
    response = _as(app, None).get("/t/cases")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Harus masuk" in page and "Sign-in required" in page


def test_anonymous_page_redirects_to_the_login_page_when_there_is_one(app: Flask) -> None:
    response = _as(app, None).get("/t/audit?x=secret")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/login?next=/t/audit"
    assert _as(app, None).get("/staff/login").status_code == 200


def test_public_pages_work_with_or_without_a_principal(app: Flask) -> None:
    for role in (None, "auditor"):
        client = _as(app, role)
        assert client.get("/t/open").get_data(as_text=True) == "open"
        assert client.get("/t/listed").get_data(as_text=True) == "listed"


def test_unknown_urls_still_get_404_and_405(app: Flask) -> None:
    client = _as(app, None)
    assert client.get("/t/no-such-page").status_code == 404
    assert client.post("/t/open").status_code in (400, 405)  # CSRF may answer first
    assert client.delete("/t/open").status_code == 405


@dataclass
class Weird:
    role: object = None
    staff_id: object = None


@pytest.mark.parametrize(
    "principal",
    [
        Weird(role="supervisor", staff_id=None),
        Weird(role=["supervisor"], staff_id=1),
        Weird(role=None, staff_id=1),
        object(),
        "supervisor",
    ],
)
def test_a_malformed_principal_is_treated_as_nobody(app: Flask, principal: object) -> None:
    set_principal_loader(app, lambda: principal)  # type: ignore[arg-type, return-value]
    assert app.test_client().get("/api/v1/t/cases").status_code == 401


def test_role_names_are_case_sensitive(app: Flask) -> None:
    assert _as(app, "Supervisor").get("/t/cases").status_code == 403
    assert _as(app, "supervisor ").get("/t/cases").status_code == 403


def test_principal_set_directly_in_g_by_an_earlier_hook_is_used(app: Flask) -> None:
    def _load() -> None:
        g.principal = Staff("auditor", staff_id=3)

    app.before_request_funcs.setdefault(None, []).insert(0, _load)
    assert app.test_client().get("/t/audit").status_code == 200


def test_the_loader_runs_at_most_once_per_request(app: Flask) -> None:
    calls: list[int] = []

    def loader() -> Principal | None:
        calls.append(1)
        return Staff("supervisor")

    set_principal_loader(app, loader)
    assert app.test_client().get("/t/cases").status_code == 200
    assert len(calls) == 1


def test_the_view_checks_roles_itself_even_without_the_hook(app: Flask) -> None:
    view = app.view_functions["probe_auth.cases"]
    # A bare request context runs no before_request hook: only the wrapper decides.
    with app.test_request_context("/t/cases"):
        g.principal = Staff("auditor")
        refused = app.make_response(app.ensure_sync(view)())
    assert refused.status_code == 403 and "cases for" not in refused.get_data(as_text=True)
    with app.test_request_context("/t/cases"):
        g.principal = Staff("supervisor")
        assert view() == "cases for 7"


@pytest.mark.parametrize("roles", [(), ("root",), ("supervisor", "superuser")])
def test_unknown_roles_are_refused_at_declaration(roles: tuple[str, ...]) -> None:
    with pytest.raises(UnknownRoleError):
        require_roles(*roles)


def test_public_and_roles_on_one_view_is_refused() -> None:
    def view() -> str:
        return "x"

    with pytest.raises(ConflictingAccessRuleError):
        public(require_roles("admin")(view))
    with pytest.raises(ConflictingAccessRuleError):
        require_roles("admin")(public(view))
    with pytest.raises(ConflictingAccessRuleError):
        require_roles("admin")(require_roles("auditor")(lambda: "y"))


def test_a_role_rule_beats_the_public_allow_list(app: Flask) -> None:
    allow_public(app, "probe_auth.audit")
    assert all_endpoint_rules(app)["probe_auth.audit"] == AccessRule(False, frozenset({"auditor"}))
    assert _as(app, None).get("/t/audit").status_code == 303  # to the login page
    assert _as(app, "supervisor").get("/t/audit").status_code == 403
