"""The reporter pages' routes: a new report and the follow-up mailbox."""

from __future__ import annotations

from flask import Flask

from sipadu.reporting.followup import bp as followup_bp
from sipadu.reporting.operator_intake import bp as intake_bp
from sipadu.reporting.statistics import bp as statistics_bp
from sipadu.reporting.views import bp as reporting_bp


def register_routes(app: Flask) -> None:
    """Register this package's page blueprints on ``app`` (the API is registered by
    sipadu/api/views.py)."""
    app.register_blueprint(reporting_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(intake_bp)
    app.register_blueprint(statistics_bp)
