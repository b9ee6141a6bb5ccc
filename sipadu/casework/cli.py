"""`sipadu deadlines remind`: queue the day's deadline reminders (run daily by a timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from sipadu.casework.reminders import queue_deadline_reminders
from sipadu.casework.service import today
from sipadu.db import db_session
from sipadu.notify.models import NotificationKind
from sipadu.unit_of_work import commit_now

deadlines_cli = AppGroup("deadlines", help="Deadline reminders for staff.")


@deadlines_cli.command("remind")
def remind_command() -> None:
    """Queue a content-free reminder for each supervisor and investigator with cases due soon
    or overdue (sent by the next `sipadu notify send`; at most one waiting of each kind)."""
    db = db_session()
    queued = queue_deadline_reminders(db, today=today())
    commit_now(db)  # the command's unit, kept before it reports
    click.echo(
        f"Reminders queued: due soon {queued[NotificationKind.DUE_SOON]}, "
        f"overdue {queued[NotificationKind.OVERDUE]}."
    )
