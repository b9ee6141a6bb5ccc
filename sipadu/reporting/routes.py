"""The reporter pages' routes: a new report and the follow-up mailbox (with its rating form)."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Flask

from sipadu.reporting.downloads import add_download_routes
from sipadu.reporting.followup import bp as followup_bp
from sipadu.reporting.form_language import bp as report_language_bp
from sipadu.reporting.identity_forms import add_identity_routes
from sipadu.reporting.operator_intake import bp as intake_bp
from sipadu.reporting.rating import add_rating_routes
from sipadu.reporting.statistics import bp as statistics_bp
from sipadu.reporting.views import bp as reporting_bp


@cache
def followup_blueprint() -> Blueprint:
    """The follow-up blueprint with every page on it, assembled once per process: Flask
    refuses new routes on a blueprint an app has already registered."""
    add_rating_routes(followup_bp)
    add_download_routes(followup_bp)
    add_identity_routes(followup_bp)
    return followup_bp


def register_routes(app: Flask) -> None:
    """Register this package's page blueprints on ``app`` (the API is registered by
    sipadu/api/views.py)."""
    app.register_blueprint(reporting_bp)
    app.register_blueprint(report_language_bp)
    app.register_blueprint(followup_blueprint())
    app.register_blueprint(intake_bp)
    app.register_blueprint(statistics_bp)
