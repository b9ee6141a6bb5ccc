"""`sipadu service-account …` (other systems' access) and `sipadu outbox run` (their webhooks).

A token and a webhook signing secret are printed once, when made; SIPADU keeps neither in a
readable form.
"""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import AppGroup

from sipadu.app_context import current_settings
from sipadu.channels.accounts import (
    ServiceAccountError,
    create_account,
    list_accounts,
    revoke_account,
    set_webhook,
)
from sipadu.channels.outbox import run_outbox
from sipadu.db import db_session, get_engine
from sipadu.notify.one_runner import only_runner
from sipadu.unit_of_work import commit_now, discard_now

service_account_cli = AppGroup(
    "service-account", help="Service accounts of other systems (intake API, webhooks)."
)
outbox_cli = AppGroup("outbox", help="Status webhooks to the channels.")


def _keys() -> bytes:
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101  (create_app guarantees a keyring)
    return keyring.audit_hmac_key


def _fail(error: ServiceAccountError) -> None:
    discard_now(db_session())
    click.echo(f"Error: {error}", err=True)
    raise SystemExit(2)


@service_account_cli.command("create")
@click.option("--name", required=True, help="e.g. jaki, lapor, crm.")
@click.option("--json", "as_json", is_flag=True, help='Print {"name", "token"}.')
def create_command(name: str, as_json: bool) -> None:
    """Create an account; its token is printed once (only a hash of it is kept)."""
    db = db_session()
    try:
        account, token = create_account(db, name, _keys())
    except ServiceAccountError as error:
        _fail(error)
        return
    commit_now(db)  # kept before the token is shown
    if as_json:
        click.echo(json.dumps({"name": account.name, "token": token}))
        return
    click.echo(f"Service account {account.name!r} created. Its token, shown only now:")
    click.echo(token)


@service_account_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """List the accounts (never a token)."""
    rows = list_accounts(db_session())
    if as_json:
        click.echo(json.dumps([row.__dict__ for row in rows], default=date.isoformat))
        return
    for row in rows:
        state = f"revoked {row.revoked_on}" if row.revoked_on else "active"
        click.echo(f"{row.name}\tcreated {row.created_on}\t{state}\t{row.webhook_url or '-'}")


@service_account_cli.command("revoke")
@click.option("--name", required=True)
def revoke_command(name: str) -> None:
    """Refuse the account's token from now on; its undelivered webhooks are dropped."""
    db = db_session()
    try:
        revoke_account(db, name, _keys())
    except ServiceAccountError as error:
        _fail(error)
    commit_now(db)
    click.echo(f"Service account {name!r} revoked.")


@service_account_cli.command("webhook")
@click.option("--name", required=True)
@click.option("--url", required=True, help="https://… (http only to 127.0.0.1).")
@click.option("--json", "as_json", is_flag=True, help='Print {"name", "url", "secret"}.')
def webhook_command(name: str, url: str, as_json: bool) -> None:
    """Register the account's webhook URL; prints the new signing secret once."""
    db = db_session()
    key = _keys()
    try:
        secret = set_webhook(db, name, url, server_key=key, audit_key=key)
    except ServiceAccountError as error:
        _fail(error)
        return
    commit_now(db)
    if as_json:
        click.echo(json.dumps({"name": name, "url": url, "secret": secret.hex()}))
        return
    click.echo(f"Webhook of {name!r} set. Its signing secret (hex), shown only now:")
    click.echo(secret.hex())


@outbox_cli.command("run")
def run_command() -> None:
    """Deliver the due status webhooks (run every minute by a timer); one run at a time
    across every server (a second one exits at once)."""
    settings = current_settings()
    run_dir = settings.instance_dir / "run"
    with only_runner(get_engine(), settings.database_schema, run_dir, "outbox-run") as alone:
        if not alone:
            click.echo("Another `sipadu outbox run` is running (here or on another server).")
            return
        key = _keys()
        report = run_outbox(db_session(), server_key=key, audit_key=key)
    click.echo(
        f"Webhooks delivered: {report.delivered}, retrying: {report.retrying}, "
        f"waiting: {report.waiting}, abandoned: {report.abandoned}."
    )
