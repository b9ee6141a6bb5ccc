"""The application factory."""

from __future__ import annotations

from flask import Flask

from sipadu import db, health, unit_of_work
from sipadu.admin import routes as admin_routes
from sipadu.api.views import register_api
from sipadu.auditor import routes as auditor_routes
from sipadu.cases.labels import register_label_filters
from sipadu.casework import api as casework_api
from sipadu.casework import routes as casework_routes
from sipadu.commands import register_app_commands
from sipadu.confidential import routes as confidential_routes
from sipadu.db import db_session
from sipadu.logging_privacy import configure_logging, is_reporter_path
from sipadu.media import make_cleaner
from sipadu.metrics import configure_request_metrics
from sipadu.ops.backlog import configure_backlog_gauge
from sipadu.ops.housekeeping import configure_housekeeping
from sipadu.ops.restore_marker import unfinished_restore_problem
from sipadu.public import routes as public_routes
from sipadu.reporting import api as reporting_api
from sipadu.reporting import intake_api
from sipadu.reporting import routes as reporting_routes
from sipadu.resources import PACKAGE_DIR, resource_dir
from sipadu.sessions.web import configure_sessions
from sipadu.settings import Settings, settings_from_env
from sipadu.staff import api as staff_api
from sipadu.staff import routes as staff_routes
from sipadu.storage.factory import blob_store_from_settings
from sipadu.uploads.multipart import UploadLimits, configure_uploads
from sipadu.web.argon2_gate import configure_argon2_gate
from sipadu.web.auth import configure_auth
from sipadu.web.dates import register_date_filters
from sipadu.web.errors import register_error_handlers
from sipadu.web.host_check import configure_host_check
from sipadu.web.i18n import configure_i18n
from sipadu.web.key_check_slots import configure_key_check_slots
from sipadu.web.nav import configure_nav
from sipadu.web.ratelimit import configure_rate_limits
from sipadu.web.security import configure_security
from sipadu.web.server_timing import configure_server_timing
from sipadu.web.slow_clients import configure_body_read_timeout
from sipadu.web.user_errors import register_user_errors


class StartupError(RuntimeError):
    """The app cannot start safely; the message says what to fix."""


def create_app(settings: Settings | None = None) -> Flask:
    """Build a SIPADU app. Outside tests it refuses to start without its key files."""
    settings = settings or settings_from_env()
    unfinished = unfinished_restore_problem(settings.instance_dir)
    if unfinished is not None:
        raise StartupError(unfinished)
    if settings.keyring is None:
        if settings.testing:
            raise StartupError("test settings must carry a keyring")
        settings = settings.with_keyring()
    assert settings.keyring is not None  # noqa: S101  (narrowing for type checkers)
    configure_logging(settings.log_level)

    app = Flask(
        "sipadu",
        template_folder=str(resource_dir("templates")),
        static_folder=str(PACKAGE_DIR / "static"),
        instance_path=str(settings.instance_dir),
    )
    # Flask reads FLASK_DEBUG from the environment; debug mode lets exceptions pass the error
    # pages, so a stray variable on a server must not turn it on.
    app.debug = False
    app.config.update(SECRET_KEY=settings.keyring.flask_secret, TESTING=settings.testing)
    app.extensions["sipadu.settings"] = settings

    db.init_app(
        app,
        db.make_engine(
            settings.database_url, settings.database_schema, settings.database_connect_timeout
        ),
    )
    configure_security(app, settings)
    configure_host_check(app, settings)
    static_limits = UploadLimits(settings.max_file_bytes, settings.max_files)
    configure_uploads(
        app, blob_store_from_settings(settings), static_limits, make_cleaner, _upload_limits
    )
    configure_i18n(app)
    register_label_filters(app)
    # Every day or time a page shows is Jakarta's, in one format per language.
    register_date_filters(app)
    register_error_handlers(app)
    register_user_errors(app)
    configure_body_read_timeout(app, settings.body_read_timeout, settings.body_total_timeout)
    configure_argon2_gate(app, settings)
    configure_key_check_slots(app, settings)
    # Limits before the access check: a flood is refused before any other work is done.
    configure_rate_limits(app, settings)
    configure_auth(app)
    configure_sessions(app)  # the access check asks its loader who is calling
    configure_housekeeping(app)
    configure_backlog_gauge(app)
    configure_nav(app)
    _register_routes(app)
    unit_of_work.init_app(app)  # last: its hook must run before the others (see there)
    configure_request_metrics(app, is_reporter_path)
    # Outermost, so the figure covers everything the app does for a request.
    configure_server_timing(app, settings.server_timing)
    register_app_commands(app)
    return app


def _upload_limits() -> UploadLimits:
    """The limits in force (the admin's saved ones, else the environment's), read once per
    upload request."""
    from sipadu.reporting.upload_limits import effective_upload_limits

    limits = effective_upload_limits(db_session())
    # The body streams in after this, for minutes with a big file; a transaction left open
    # would hold SQLite's write lock (taken at BEGIN) all that time and stall every other
    # request. What the request did so far (a session touch, a reporter:login) is committed.
    unit_of_work.end_transaction()
    return limits


def _register_routes(app: Flask) -> None:
    """The health probes, every package's pages, then the JSON API with its blueprints
    nested under /api/v1."""
    for register_routes in (
        health.register_routes,
        public_routes.register_routes,
        staff_routes.register_routes,
        admin_routes.register_routes,
        auditor_routes.register_routes,
        casework_routes.register_routes,
        confidential_routes.register_routes,
        reporting_routes.register_routes,
    ):
        register_routes(app)
    register_api(app, staff_api.bp, casework_api.bp, reporting_api.bp, intake_api.bp)
