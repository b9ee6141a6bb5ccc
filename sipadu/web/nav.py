"""Staff navigation assembled from what each blueprint registers (no shared template edits)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class HomePanel:
    """A section of the staff home page a package adds (the case counts, for example):
    a template and the function that gives it its values, for the roles listed."""

    template: str
    values: Callable[[], Mapping[str, object]]
    roles: frozenset[str]
    order: int = 50


_HOME_PANELS: list[HomePanel] = []


def add_home_panel(
    template: str,
    values: Callable[[], Mapping[str, object]],
    roles: tuple[str, ...],
    order: int = 50,
) -> None:
    """Register a staff home section (call at import time of a views module)."""
    if all(panel.template != template for panel in _HOME_PANELS):
        _HOME_PANELS.append(HomePanel(template, values, frozenset(roles), order))


def home_panels() -> list[tuple[str, Mapping[str, object]]]:
    """The current staff member's home sections: (template, its values), in order."""
    principal = current_principal()
    if principal is None:
        return []
    chosen = sorted(
        (panel for panel in _HOME_PANELS if principal.role in panel.roles),
        key=lambda panel: (panel.order, panel.template),
    )
    return [(panel.template, panel.values()) for panel in chosen]


def configure_nav(app: Flask) -> None:
    """Expose the staff navigation to templates."""

    @app.context_processor
    def _nav() -> dict[str, object]:
        return {
            "staff_nav_items": staff_nav_items,
            "home_panels": home_panels,
            "has_endpoint": lambda name: name in current_app.view_functions,
        }
