"""Deny by default: every endpoint declares who may call it.

A view is either public (``@public`` or listed with ``allow_public``) or names the roles it
admits (``@require_roles("supervisor", "investigator")``). A ``before_request`` hook refuses
every endpoint that has no rule, so a new view that someone forgot to mark fails closed with
403 instead of silently becoming reachable by anyone.

Who is asking comes from ``g.principal``: the session loader (another module) either sets it
in its own ``before_request`` or registers itself with ``set_principal_loader`` so it is called
on first use, whatever the order of hooks. A principal needs only ``role`` and ``staff_id``.
Without one a protected endpoint answers 401 (JSON for ``/api/``) or redirects a browser to
the login page.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from flask import Flask, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.routing import BuildError

from sipadu.roles import StaffRole
from sipadu.web.errors import is_api_request, render_error

log = logging.getLogger("sipadu.auth")

ROLES = frozenset(StaffRole)
# Endpoints of the foundation that anyone may reach; blueprints add their own with @public.
PUBLIC_ENDPOINTS = frozenset({"static", "public.landing", "i18n.switch_language"})
DEFAULT_LOGIN_ENDPOINT = "staff.login"
_RULE_ATTRIBUTE = "_sipadu_access_rule"
_EXTENSION = "sipadu.auth"

F = TypeVar("F", bound=Callable[..., Any])


class UnknownRoleError(ValueError):
    """A view names a role that does not exist (a typo would otherwise lock everyone out)."""


class ConflictingAccessRuleError(ValueError):
    """A view was declared both public and role-restricted; one of them is a mistake."""


class Principal(Protocol):
    """What the session loader puts in ``g.principal`` for a signed-in staff member."""

    @property
    def role(self) -> str:
        """One of ``ROLES``."""

    @property
    def staff_id(self) -> int | str:
        """The staff account's identifier."""


@dataclass(frozen=True)
class AccessRule:
    """Who may call an endpoint: everyone (``public``) or a member of ``roles``."""

    public: bool
    roles: frozenset[str] = frozenset()

    def admits(self, principal: Principal | None) -> bool:
        """True when ``principal`` (or an anonymous visitor) may call the endpoint."""
        if self.public:
            return True
        return principal is not None and principal.role in self.roles


PUBLIC = AccessRule(public=True)


PrincipalLoader = Callable[[], "Principal | None"]


@dataclass
class _AuthConfig:
    public_endpoints: set[str]
    login_endpoint: str
    load_principal: PrincipalLoader | None = None


def _declared_rule(view: object) -> AccessRule | None:
    rule = getattr(view, _RULE_ATTRIBUTE, None)
    return rule if isinstance(rule, AccessRule) else None


def public(view: F) -> F:
    """Mark a view as reachable without signing in."""
    if (declared := _declared_rule(view)) is not None and not declared.public:
        raise ConflictingAccessRuleError(f"{view.__qualname__} already requires roles")
    setattr(view, _RULE_ATTRIBUTE, PUBLIC)
    return view


def require_roles(*roles: str) -> Callable[[F], F]:
    """Admit only signed-in staff whose role is one of ``roles``.

    Apply it below the route decorator. The check also runs inside the wrapped view, so the
    view stays protected even in an app that lacks the ``before_request`` hook.
    """
    unknown = set(roles) - ROLES
    if not roles or unknown:
        raise UnknownRoleError(
            f"require_roles needs roles from {sorted(ROLES)}, got {sorted(unknown) or 'none'}"
        )
    rule = AccessRule(public=False, roles=frozenset(roles))

    def decorate(view: F) -> F:
        if (declared := _declared_rule(view)) is not None and declared != rule:
            raise ConflictingAccessRuleError(f"{view.__qualname__} already has {declared}")

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refusal = _refusal(rule)
            if refusal is not None:
                return refusal
            return view(*args, **kwargs)

        setattr(wrapper, _RULE_ATTRIBUTE, rule)
        return cast(F, wrapper)

    return decorate


def current_principal() -> Principal | None:
    """The signed-in staff member of this request, or ``None``."""
    if "principal" not in g:
        config = current_app.extensions.get(_EXTENSION)
        loader = config.load_principal if isinstance(config, _AuthConfig) else None
        g.principal = loader() if loader is not None else None
    principal = g.principal
    if principal is None:
        return None
    if (
        not isinstance(getattr(principal, "role", None), str)
        or getattr(principal, "staff_id", None) is None
    ):
        # A malformed principal must never grant access: treat it as nobody.
        return None
    return cast(Principal, principal)


def _config(app: Flask) -> _AuthConfig:
    config = app.extensions.get(_EXTENSION)
    if not isinstance(config, _AuthConfig):
        raise RuntimeError("configure_auth(app) has not been called")
    return config


def rule_for(app: Flask, endpoint: str) -> AccessRule | None:
    """The rule declared for ``endpoint``, or ``None`` when it has none (and is refused).

    A role rule on the view wins over the public allow-list: the stricter declaration holds.
    """
    rule = _declared_rule(app.view_functions.get(endpoint))
    if rule is not None and not rule.public:
        return rule
    if endpoint in _config(app).public_endpoints:
        return PUBLIC
    return rule


def all_endpoint_rules(app: Flask) -> dict[str, AccessRule | None]:
    """``{endpoint: rule}`` for every endpoint of ``app``; ``None`` marks a missing rule."""
    return {endpoint: rule_for(app, endpoint) for endpoint in sorted(app.view_functions)}


def allow_public(app: Flask, *endpoints: str) -> None:
    """Add endpoints (e.g. of a third-party blueprint) to the app's public allow-list."""
    _config(app).public_endpoints.update(endpoints)


def set_principal_loader(app: Flask, loader: PrincipalLoader) -> None:
    """Have ``current_principal()`` call ``loader`` once per request to find who is asking."""
    _config(app).load_principal = loader


def _login_redirect() -> ResponseReturnValue | None:
    config = current_app.extensions.get(_EXTENSION)
    endpoint = config.login_endpoint if isinstance(config, _AuthConfig) else DEFAULT_LOGIN_ENDPOINT
    try:
        target = url_for(endpoint, next=request.path)
    except BuildError:
        return None  # no login page yet: a plain 401 page says what is needed
    return redirect(target, code=303)


def _unauthenticated() -> ResponseReturnValue:
    if is_api_request():
        body, status = render_error(401)
        return body, status, {"WWW-Authenticate": 'Bearer realm="sipadu"'}
    return _login_redirect() or render_error(401)


def _refusal(rule: AccessRule | None) -> ResponseReturnValue | None:
    """The response refusing this request under ``rule``, or ``None`` to let it through."""
    if rule is None:
        log.warning("refused endpoint without an access rule: %s", request.endpoint)
        return render_error(403)
    principal = current_principal()
    if rule.admits(principal):
        return None
    if principal is None:
        return _unauthenticated()
    return render_error(403)


def _enforce() -> ResponseReturnValue | None:
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: the 404/405 error handlers answer
    return _refusal(rule_for(current_app, endpoint))


def configure_auth(
    app: Flask,
    public_endpoints: Iterable[str] = PUBLIC_ENDPOINTS,
    login_endpoint: str = DEFAULT_LOGIN_ENDPOINT,
) -> None:
    """Install the deny-by-default check on ``app``."""
    app.extensions[_EXTENSION] = _AuthConfig(set(public_endpoints), login_endpoint)
    app.before_request(_enforce)
