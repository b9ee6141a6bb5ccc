"""`sipadu sessions purge`: delete expired sessions and stale case-key throttle rows."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from sipadu.db import db_session

sessions_cli = AppGroup("sessions", help="Login sessions.")


@sessions_cli.command("purge")
def purge_command() -> None:
    """Delete expired sessions and case-key throttle rows older than a day.

    Run every few minutes from a timer: a reporter session row names its case, and must not
    outlive the session."""
    from sipadu.ops.housekeeping import purge_reporter_traces

    sessions, throttles = purge_reporter_traces(db_session())
    click.echo(f"Purged {sessions} expired sessions and {throttles} stale throttle rows.")
