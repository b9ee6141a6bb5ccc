"""The confidential mode's pages: the identity custodian's requests."""

from __future__ import annotations

from flask import Flask

from sipadu.confidential.views import bp


def register_routes(app: Flask) -> None:
    """Register this package's page blueprint on ``app``."""
    app.register_blueprint(bp)
