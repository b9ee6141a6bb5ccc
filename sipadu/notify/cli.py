"""`sipadu notify send`: deliver the queued digests (run every few minutes by a timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from sipadu.app_context import current_settings
from sipadu.db import db_session, get_engine
from sipadu.notify.one_runner import only_runner
from sipadu.notify.service import send_digests
from sipadu.notify.smtp import SmtpConfigError, smtp_transport
from sipadu.unit_of_work import commit_now

notify_cli = AppGroup("notify", help="Content-free staff notifications.")


@notify_cli.command("send")
def send_command() -> None:
    """Send each recipient at most one digest per 15 minutes (SMTP, or a log line); one run
    at a time across every server (a second one exits at once)."""
    settings = current_settings()
    try:
        transport = smtp_transport(settings.smtp)
    except SmtpConfigError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None
    keyring = settings.keyring
    assert keyring is not None  # noqa: S101
    run_dir = settings.instance_dir / "run"
    with only_runner(get_engine(), settings.database_schema, run_dir) as alone:
        if not alone:
            click.echo("Another `sipadu notify send` is running (here or on another server).")
            return
        db = db_session()
        report = send_digests(db, transport, audit_key=keyring.audit_hmac_key)
        commit_now(db)  # the command's unit, kept before it reports
    click.echo(
        f"Digests sent: {report.sent}, logged (no SMTP or no address): {report.logged}, "
        f"deferred: {report.deferred}."
    )
