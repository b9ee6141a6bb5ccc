"""The case pages' routes, the supervisor's retention pages among them."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Flask

from sipadu.casework.archiving import add_archive_routes
from sipadu.casework.assignment_views import add_assignment_routes
from sipadu.casework.closing import add_closing_routes
from sipadu.casework.export import add_export_routes
from sipadu.casework.forwarding_views import add_forwarding_routes
from sipadu.casework.identity import add_identity_routes
from sipadu.casework.redaction import add_redaction_routes
from sipadu.casework.reporter_files import add_reporter_file_routes
from sipadu.casework.rerouting import add_routing_routes
from sipadu.casework.retention import add_retention_routes
from sipadu.casework.views import bp as casework_bp


@cache
def casework_blueprint() -> Blueprint:
    """The casework blueprint with every page on it, assembled once per process: Flask
    refuses new routes on a blueprint an app has already registered."""
    add_assignment_routes(casework_bp)
    add_closing_routes(casework_bp)
    add_retention_routes(casework_bp)
    add_routing_routes(casework_bp)
    add_reporter_file_routes(casework_bp)
    add_identity_routes(casework_bp)
    add_export_routes(casework_bp)
    add_redaction_routes(casework_bp)
    add_forwarding_routes(casework_bp)
    add_archive_routes(casework_bp)
    return casework_bp


def register_routes(app: Flask) -> None:
    """Register this package's page blueprint on ``app`` (the API is registered by
    sipadu/api/views.py)."""
    app.register_blueprint(casework_blueprint())
