"""The commands that need the app: `sipadu …` and `flask --app sipadu …` both offer them.

The `sipadu` entry point (sipadu/cli.py) adds ``init`` and ``serve``, which run before any key
exists; the app factory adds these to ``app.cli``.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from sipadu.audit.cli import audit_cli
from sipadu.casework.cli import deadlines_cli
from sipadu.channels.cli import outbox_cli, service_account_cli
from sipadu.confidential.cli import export_cli
from sipadu.db import get_engine
from sipadu.escrow.cli import escrow_cli
from sipadu.migrate import alembic_config, current_revision, head_revision, is_up_to_date
from sipadu.notify.cli import notify_cli
from sipadu.ops.cli import backup_cli, retention_cli, sessions_cli, storage_cli
from sipadu.staff.cli import account_cli, seal_legacy_totp_secrets
from sipadu.storage.base import BlobStoreError

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database schema (default: to the newest revision)."""
    from sipadu import migrate

    migrate.upgrade(get_engine(), revision)
    click.echo(f"Database at revision {current_revision(get_engine())}.")
    if is_up_to_date(get_engine()):
        seal_legacy_totp_secrets()


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the database schema to REVISION (may drop data: back up first)."""
    from sipadu import migrate

    migrate.downgrade(get_engine(), revision)
    click.echo(f"Database at revision {current_revision(get_engine())}.")


@db_cli.command("current")
def db_current() -> None:
    """Show the database revision and the code's newest revision; fail (exit 2), as
    ``init`` and ``serve`` do, when the blob store cannot be used."""
    engine = get_engine()
    click.echo(f"database: {current_revision(engine)}  code: {head_revision(engine)}")
    try:
        current_app.extensions["sipadu.blobs"].check()
    except BlobStoreError as error:
        click.echo(f"Error: the blob store cannot be used: {error}", err=True)
        raise SystemExit(2) from None
    click.echo("blob store: usable")


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
def db_revision(message: str) -> None:
    """(Developers) write a new revision from the difference between models and database."""
    from alembic import command

    command.revision(alembic_config(get_engine()), message=message, autogenerate=True)


APP_COMMANDS: tuple[click.Command, ...] = (
    db_cli,
    audit_cli,
    export_cli,
    escrow_cli,
    account_cli,
    notify_cli,
    deadlines_cli,
    service_account_cli,
    outbox_cli,
    retention_cli,
    backup_cli,
    storage_cli,
    sessions_cli,
)


def register_app_commands(app: Flask) -> None:
    """Make the app-context commands reachable as `flask --app sipadu …` too."""
    for command in APP_COMMANDS:
        app.cli.add_command(command)
