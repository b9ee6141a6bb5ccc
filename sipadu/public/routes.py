"""The public pages' routes (landing page, guidance, privacy)."""

from __future__ import annotations

from flask import Flask

from sipadu.public.views import bp as public_bp


def register_routes(app: Flask) -> None:
    """Register this package's page blueprint on ``app`` (the API is registered by
    sipadu/api/views.py)."""
    app.register_blueprint(public_bp)
