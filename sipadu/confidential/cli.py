"""`sipadu export …`: whether a copy of an export package is exactly what SIPADU issued."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from sipadu.app_context import current_settings
from sipadu.confidential.export import find_issued
from sipadu.confidential.package import package_digest
from sipadu.db import db_session

export_cli = AppGroup("export", help="Case export packages.")


@export_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(file: Path) -> None:
    """Say whether FILE is exactly a package SIPADU issued, on which day and for which case,
    from the audit chain alone (the package is not decrypted). Exit 1 when it is not."""
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101
    digest = package_digest(file.read_bytes())
    issued = find_issued(db_session(), digest, keyring.audit_hmac_key)
    if issued is None:
        click.echo(
            f"NOT VERIFIED: no intact audit record names this file (SHA-256 {digest}). It is "
            "not a package SIPADU issued, or it was changed.",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"VERIFIED: SIPADU issued exactly this package on {issued.day.isoformat()} for case "
        f"{issued.case_code} (SHA-256 {digest})."
    )
