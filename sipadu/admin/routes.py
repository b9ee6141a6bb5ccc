"""The admin pages' routes."""

from __future__ import annotations

from flask import Flask

from sipadu.admin.views import bp as admin_bp


def register_routes(app: Flask) -> None:
    """Register this package's page blueprint on ``app`` (the API is registered by
    sipadu/api/views.py)."""
    app.register_blueprint(admin_bp)
