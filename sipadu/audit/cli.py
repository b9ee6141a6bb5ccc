"""`sipadu audit …` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from sipadu.app_context import current_settings
from sipadu.audit.day_queue import (
    AuditQueueError,
    finished_days_waiting,
    seal_days,
    verify_queue,
)
from sipadu.audit.service import (
    chain_head,
    check_anchor,
    count_events,
    export_rows,
    verify_chain,
)
from sipadu.db import db_session
from sipadu.unit_of_work import commit_now, discard_now

audit_cli = AppGroup("audit", help="Audit log tools.")


@audit_cli.command("verify")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--anchor",
    default=None,
    metavar="[SEQ:]HASH",
    help="A head hash recorded earlier (from `sipadu audit export`) that must still "
    "be in the chain, at its place.",
)
def verify_command(quiet: bool, anchor: str | None) -> None:
    """Walk the audit chain; exit 1 naming the first row that was edited, removed or moved."""
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101
    session = db_session()
    total = count_events(session)
    with click.progressbar(
        length=total, label="Verifying audit log", file=sys.stderr, hidden=quiet or total == 0
    ) as bar:
        report = verify_chain(session, keyring.audit_hmac_key, progress=bar.update)
    if not report.ok:
        click.echo(
            f"Audit log FAILED at row {report.first_bad_seq}: {report.problem}. "
            f"{report.rows_checked} rows before it are intact.",
            err=True,
        )
        raise SystemExit(1)
    if anchor is not None:
        problem = check_anchor(session, anchor)
        if problem:
            click.echo(f"Audit log FAILED the anchor check: {problem}.", err=True)
            raise SystemExit(1)
        click.echo("Anchor found: nothing up to the anchored row has changed.")
    queue = verify_queue(session, keyring.audit_hmac_key)
    if not queue.ok:
        click.echo(f"Audit log FAILED in the queue of reporter events: {queue.problem}.", err=True)
        raise SystemExit(1)
    # No count of today's queued events: it would date reporter actions (docs/audit.md).
    finished = finished_days_waiting(session)
    if report.rows_checked == 0 and finished == 0:
        click.echo("Audit log is empty: nothing to verify (a used instance always has rows).")
        return
    click.echo(
        f"Audit log intact: {report.rows_checked} rows verified; the queue of reporter "
        "events is intact (today's join the log after the day ends)."
    )
    if finished:
        click.echo(
            f"{finished} reporter events of finished days wait to be sealed: "
            "run `sipadu audit seal-day`."
        )


@audit_cli.command("seal-day")
def seal_day_command() -> None:
    """Append the reporter events of the days that are over to the chain, shuffled per day.

    Run daily just after midnight UTC (a timer); requests also do it opportunistically."""
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101
    session = db_session()
    try:
        sealed = seal_days(session, keyring.audit_hmac_key)
    except AuditQueueError as error:
        discard_now(session)
        click.echo(f"Nothing sealed: {error}. Run `sipadu audit verify`.", err=True)
        raise SystemExit(1) from None
    commit_now(session)  # the command's unit, kept before it reports
    days = ", ".join(day.isoformat() for day in sealed.days) or "none"
    click.echo(f"Sealed {sealed.events} reporter events into the audit log (days: {days}).")


@audit_cli.command("export")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON lines to this file instead of stdout.",
)
def export_command(out: Path | None) -> None:
    """The chain as JSON lines; the head (``HEAD <seq>:<hash>``) goes to stderr, to anchor."""
    session = db_session()
    # The head printed is the last row exported, so it always matches the file even when
    # events are appended meanwhile.
    seq, head_hash = chain_head(session) if count_events(session) == 0 else (0, "")
    handle = out.open("x", encoding="ascii") if out else sys.stdout
    try:
        for row in export_rows(session):
            handle.write(json.dumps(row, separators=(",", ":"), sort_keys=True) + "\n")
            seq, head_hash = int(str(row["seq"])), str(row["hash"])
    finally:
        if out:
            handle.close()
    click.echo(f"HEAD {seq}:{head_hash}", err=True)
