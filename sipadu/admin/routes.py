"""The admin pages' routes."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Flask

from sipadu.admin.units import add_unit_routes
from sipadu.admin.views import bp as admin_bp


@cache
def admin_blueprint() -> Blueprint:
    """The admin blueprint with every page on it, assembled once per process: Flask refuses
    new routes on a blueprint an app has already registered."""
    add_unit_routes(admin_bp)
    return admin_bp


def register_routes(app: Flask) -> None:
    """Register this package's page blueprint on ``app`` (the API is registered by
    sipadu/api/views.py)."""
    app.register_blueprint(admin_blueprint())
