"""`sipadu audit …` commands."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from sipadu.app_context import current_settings
from sipadu.audit.service import count_events, verify_chain
from sipadu.db import db_session

audit_cli = AppGroup("audit", help="Audit log tools.")


@audit_cli.command("verify")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def verify_command(quiet: bool) -> None:
    """Walk the audit chain; exit 1 naming the first row that was edited, removed or moved."""
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101
    session = db_session()
    total = count_events(session)
    with click.progressbar(length=total, label="Verifying audit log", file=sys.stderr,
                           hidden=quiet or total == 0) as bar:
        report = verify_chain(session, keyring.audit_hmac_key, progress=bar.update)
    if not report.ok:
        click.echo(f"Audit log FAILED at row {report.first_bad_seq}: {report.problem}. "
                   f"{report.rows_checked} rows before it are intact.", err=True)
        raise SystemExit(1)
    if report.rows_checked == 0:
        click.echo("Audit log is empty: nothing to verify (a used instance always has rows).")
        return
    click.echo(f"Audit log intact: {report.rows_checked} rows verified.")
