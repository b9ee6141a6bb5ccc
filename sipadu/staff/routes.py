"""The staff pages' routes: sign-in and own account, account setup links, activations."""

from __future__ import annotations

from flask import Flask

from sipadu.staff.activation_views import bp as activation_bp
from sipadu.staff.setup_views import bp as account_setup_bp
from sipadu.staff.views import bp as staff_bp


def register_routes(app: Flask) -> None:
    """Register this package's page blueprints on ``app`` (the API is registered by
    sipadu/api/views.py)."""
    app.register_blueprint(staff_bp)
    app.register_blueprint(account_setup_bp)
    app.register_blueprint(activation_bp)
