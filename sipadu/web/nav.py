"""Staff navigation assembled from what each blueprint registers (no shared template edits)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import LazyString

from sipadu.web.auth import current_principal


@dataclass(frozen=True)
class NavItem:
    """One link in the staff navigation, shown to the roles listed."""

    endpoint: str
    label: LazyString
    roles: frozenset[str]
    order: int = 50


_STAFF_NAV: list[NavItem] = []


def add_staff_nav(
    endpoint: str, label: LazyString, roles: tuple[str, ...], order: int = 50
) -> None:
    """Register a staff navigation link (call at import time of a views module)."""
    if all(item.endpoint != endpoint for item in _STAFF_NAV):
        _STAFF_NAV.append(NavItem(endpoint, label, frozenset(roles), order))


def staff_nav_items() -> list[NavItem]:
    """The links the current staff member may follow, for endpoints this app has."""
    principal = current_principal()
    if principal is None:
        return []
    return sorted(
        (
            item
            for item in _STAFF_NAV
            if principal.role in item.roles and item.endpoint in current_app.view_functions
        ),
        key=lambda item: (item.order, item.endpoint),
    )


def configure_nav(app: Flask) -> None:
    """Expose the staff navigation to templates."""

    @app.context_processor
    def _nav() -> dict[str, object]:
        return {
            "staff_nav_items": staff_nav_items,
            "has_endpoint": lambda name: name in current_app.view_functions,
        }
