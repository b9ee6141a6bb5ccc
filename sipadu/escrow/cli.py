"""`sipadu escrow …`: create the escrow key, and use its offline half to recover a case."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from sipadu.app_context import current_settings
from sipadu.crypto.errors import CryptoError, WrongPassphraseError
from sipadu.crypto.escrow import read_escrow_private
from sipadu.crypto.grants import public_from_private
from sipadu.db import db_session
from sipadu.escrow.service import (
    EscrowError,
    create_escrow,
    grant_all_open_with_escrow,
    grant_with_escrow,
)
from sipadu.keyring import ESCROW_PUBLIC_FILE
from sipadu.roles import StaffRole
from sipadu.staff.activation import (
    ActivationError,
    ApprovedSupervisorExistsError,
    approve_first_supervisor,
)
from sipadu.staff.case_sharing import unreadable_open_case_count
from sipadu.unit_of_work import commit_now

escrow_cli = AppGroup("escrow", help="The offline escrow key.")
OFFLINE_FILE_NAME = "escrow-private-MOVE-OFFLINE.key"


def read_passphrase(from_stdin: bool, *, confirm: bool) -> str:
    """The passphrase from the first line of stdin, or a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Escrow passphrase", hide_input=True, confirmation_prompt=confirm))


def framed(lines: list[str]) -> str:
    """``lines`` inside a box of ``#``, so a block stands out from the log around it."""
    width = max(len(line) for line in lines)
    rule = "#" * (width + 4)
    return "\n".join([rule, *(f"# {line.ljust(width)} #" for line in lines), rule])


def announce_escrow(public_path: Path, private_path: Path, passphrase: str | None) -> None:
    """Tell the operator, once and framed, where both halves are and what to do with them.

    The passphrase goes to the terminal through click only, never through logging."""
    lines = [
        "ESCROW KEY CREATED - ACT NOW, THIS IS SHOWN ONCE",
        "",
        f"Public half (stays here):  {public_path}",
        f"Private half (must leave): {private_path}",
    ]
    if passphrase is not None:
        lines += ["", f"Passphrase: {passphrase}"]
    lines += [
        "",
        "1. Write the passphrase down on paper; keep it in a sealed envelope, offline.",
        "2. Copy the private file to two encrypted USB sticks kept by the Inspektur,",
        "   then delete it from this server.",
        "Without the file and its passphrase, cases cannot be recovered when staff",
        "leave and backups cannot be restored.",
    ]
    click.echo(framed(lines))


def escrow_reminder(instance_dir: Path, public_path: Path) -> str | None:
    """The banner `sipadu serve` prints while the escrow setup is unfinished, or ``None``.

    It never repeats the passphrase: only ``sipadu init`` showed it, once."""
    private_path = instance_dir / OFFLINE_FILE_NAME
    if not public_path.exists():
        return framed(
            [
                f"NO ESCROW KEY ({public_path} is missing).",
                "Run `sipadu escrow init` in a terminal: without it no supervisor",
                "can be approved and lost access cannot be recovered.",
            ]
        )
    if not private_path.exists():
        return None
    return framed(
        [
            f"WARNING: the escrow private key {private_path}",
            "is still on this server. `sipadu init` showed its passphrase once:",
            "store the passphrase offline, move the file to encrypted USB sticks",
            "and delete it here.",
        ]
    )


@escrow_cli.command("init", with_appcontext=False)
@click.option(
    "--private-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the passphrase-sealed private half.",
)
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from stdin.")
def escrow_init(private_out: Path | None, passphrase_stdin: bool) -> None:
    """Create the instance escrow key pair (once per instance)."""
    from sipadu.settings import settings_from_env

    settings = settings_from_env()
    target = private_out or settings.instance_dir / OFFLINE_FILE_NAME
    passphrase = read_passphrase(passphrase_stdin, confirm=True)
    try:
        created = create_escrow(settings.keys_dir, target, passphrase)
    except (EscrowError, CryptoError) as error:
        raise click.ClickException(str(error)) from None
    announce_escrow(created.public_path, created.private_path, None)


@escrow_cli.command("grant")
@click.option("--case", "code", default=None, help="Case code, e.g. SPD-7K3Q9M.")
@click.option(
    "--all-open",
    is_flag=True,
    help="Every case not closed or archived (e.g. for a new supervisor).",
)
@click.option("--to", "username", required=True, help="Staff account to receive access.")
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The offline escrow private key file.",
)
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from stdin.")
def escrow_grant(
    code: str | None, all_open: bool, username: str, key_path: Path, passphrase_stdin: bool
) -> None:
    """Give a staff member access to a case with the offline escrow key (recovery)."""
    if (code is None) == (not all_open):
        raise click.UsageError("give exactly one of --case CODE or --all-open")
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101
    passphrase = read_passphrase(passphrase_stdin, confirm=False)
    try:
        private = read_escrow_private(key_path, passphrase)
        db = db_session()
        if code is None:
            granted, skipped = grant_all_open_with_escrow(
                db, private, username=username, audit_key=keyring.audit_hmac_key
            )
        else:
            grant_with_escrow(
                db,
                private,
                code=code.strip().upper(),
                username=username,
                audit_key=keyring.audit_hmac_key,
            )
            granted, skipped = [code], []
        commit_now(db)  # the command's unit, kept before it reports
    except WrongPassphraseError:
        raise click.ClickException(
            "The passphrase does not unlock this escrow key file; nothing was granted. Try again."
        ) from None
    except (EscrowError, CryptoError) as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from None
    for skipped_code, why in skipped:
        click.echo(f"skipped {skipped_code}: {why}", err=True)
    if code is None:
        click.echo(f"{username} can now open {len(granted)} open case(s).")
    else:
        click.echo(f"{username} can now open case {code}.")


@escrow_cli.command("approve")
@click.option(
    "--to", "username", required=True, help="The supervisor or identity custodian to activate."
)
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The offline escrow private key file.",
)
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from stdin.")
def escrow_approve(username: str, key_path: Path, passphrase_stdin: bool) -> None:
    """Approve the first supervisor or identity custodian (while no approved one of that
    role exists) as escrow holder; a custodian receives the identities' escrow copies."""
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101
    passphrase = read_passphrase(passphrase_stdin, confirm=False)
    try:
        private = read_escrow_private(key_path, passphrase)
        if keyring.escrow_public is None or public_from_private(private) != keyring.escrow_public:
            raise EscrowError(
                "this escrow key is not the one of this instance "
                f"({current_settings().keys_dir / ESCROW_PUBLIC_FILE})"
            )
        db = db_session()
        target = approve_first_supervisor(
            db, username.strip().lower(), audit_key=keyring.audit_hmac_key, escrow_private=private
        )
        custodian = target.role == StaffRole.CUSTODIAN
        commit_now(db)  # the command's unit, kept before it reports
    except WrongPassphraseError:
        raise click.ClickException(
            "The passphrase does not unlock this escrow key file; nothing was approved. Try again."
        ) from None
    except (EscrowError, CryptoError) as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from None
    except ApprovedSupervisorExistsError:
        raise click.ClickException(
            "an approved colleague of this role exists: they approve new ones on their "
            "Activations page"
        ) from None
    except ActivationError:
        raise click.ClickException(
            f"{username} is not a supervisor or identity custodian who completed the setup "
            "link and the authenticator enrolment"
        ) from None
    if custodian:
        click.echo(f"{username} is approved and holds the sealed identities.")
        return
    click.echo(f"{username} is approved and receives new reports.")
    unreadable = unreadable_open_case_count(db_session())
    if unreadable:  # only then is there something to hand over
        click.echo(
            f"{unreadable} open case(s) nobody can read: "
            f"sipadu escrow grant --all-open --to {username} --key FILE"
        )
