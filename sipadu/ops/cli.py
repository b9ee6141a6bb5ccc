"""`sipadu retention …`, `sipadu backup …`, `sipadu storage …` and `sipadu sessions …` commands."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from sipadu.app_context import current_audit_key, current_settings
from sipadu.crypto.errors import CryptoError, WrongPassphraseError
from sipadu.crypto.escrow import read_escrow_private
from sipadu.crypto.stream import Writable
from sipadu.db import db_session, get_engine, make_engine
from sipadu.escrow.cli import read_passphrase
from sipadu.keyring import ESCROW_PUBLIC_FILE
from sipadu.ops.backup import BackupError, create_backup, read_key_files
from sipadu.ops.container import BackupFormatError, BackupKeyError
from sipadu.ops.gc import ORPHAN_MIN_AGE_SECONDS, sweep_storage
from sipadu.ops.housekeeping import purge_reporter_traces
from sipadu.ops.interrupts import deferred_interrupts, ignore_interrupts, interrupt_requested
from sipadu.ops.restore import (
    RestoreError,
    RestoreNotUndoneError,
    remove_staging_folders,
    restore_backup,
    target_is_empty,
)
from sipadu.ops.restore_marker import (
    mark_restore_finished,
    mark_restore_started,
    remove_partial_blobs,
    unfinished_restore_problem,
)
from sipadu.ops.retention import cases_due_for_purge, run_retention
from sipadu.storage.base import BlobStore, BlobStoreError
from sipadu.storage.factory import blob_store_from_settings
from sipadu.storage.filesystem import FilesystemBlobStore

retention_cli = AppGroup("retention", help="Purge archived cases whose retention has ended.")
backup_cli = AppGroup("backup", help="Encrypted backups and restores.")
storage_cli = AppGroup("storage", help="The encrypted blob store.")
sessions_cli = AppGroup("sessions", help="Login sessions.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="List the cases due for purge; delete nothing.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def retention_run(dry_run: bool, quiet: bool) -> None:
    """Purge every case whose retention date has passed (one transaction per case)."""
    db = db_session()
    store = blob_store_from_settings(current_settings())
    if dry_run:
        due = cases_due_for_purge(db, 0)
        for item in due:
            click.echo(f"{item.code}\tretention ended {item.retention_until.isoformat()}")
        click.echo(f"{len(due)} case(s) due for purge (dry run: nothing deleted).")
        return
    total = len(cases_due_for_purge(db, 0))
    with click.progressbar(
        length=total, label="Purging", file=sys.stderr, hidden=quiet or total < 2
    ) as bar:
        try:
            purged = run_retention(db, store, audit_key=current_audit_key(), progress=bar.update)
        except BlobStoreError as error:
            # The cases purged so far are gone; their blobs, unreadable without the keys that
            # died with the rows, are orphans the sweep removes.
            raise click.ClickException(
                f"retention stopped: {error}; run it again once the blob store is back, "
                "then `sipadu storage gc`"
            ) from None
    for code in purged:
        click.echo(f"purged {code}")
    click.echo(f"{len(purged)} case(s) purged.")


class _HashingSink:
    """The backup file, hashed as it is written (the operator records the digest)."""

    def __init__(self, sink: Writable) -> None:
        self._sink, self.digest = sink, hashlib.sha256()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.digest.update(data)
        self._sink.write(data)
        return len(data)


@backup_cli.command("create")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The encrypted backup file to write (must not exist).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def backup_create(out: Path, quiet: bool) -> None:
    """Write an encrypted, consistent backup of the database, blobs and audit key."""
    settings = current_settings()
    assert settings.keyring is not None  # noqa: S101
    if settings.keyring.escrow_public is None:
        missing = settings.keys_dir / ESCROW_PUBLIC_FILE
        raise click.ClickException(f"no escrow key ({missing}): run `sipadu escrow init`")
    if out.exists():
        raise click.ClickException(f"{out} already exists")
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with (
            os.fdopen(fd, "wb") as handle,
            click.progressbar(length=1, label="Backing up", file=sys.stderr, hidden=quiet) as bar,
        ):
            sink = _HashingSink(handle)

            def _grow(blobs: int) -> None:
                bar.length = blobs + 1
                bar.update(1)

            summary = create_backup(
                sink,
                engine=get_engine(),
                store=blob_store_from_settings(settings),
                escrow_public=settings.keyring.escrow_public,
                key_files=read_key_files(settings.keys_dir),
                progress=bar.update,
                on_blob_count=_grow,
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, out)
    except (BackupError, BlobStoreError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"backup failed: {error}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    for blob_id in summary.missing_blobs:
        click.echo(
            f"WARNING: blob {blob_id} is referenced but missing; run `sipadu storage gc`", err=True
        )
    click.echo(f"Backup written: {out} ({summary.backend} database, {summary.blobs} blobs).")
    click.echo(f"SHA-256 {sink.digest.hexdigest()}  (record it beside the file)")


@backup_cli.command("restore", with_appcontext=False)
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--escrow-key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The offline escrow private key file.",
)
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from stdin.")
@click.option("--replace", is_flag=True, help="Overwrite a target that already holds data.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def backup_restore(
    backup_file: Path, key_path: Path, passphrase_stdin: bool, replace: bool, quiet: bool
) -> None:
    """Restore a backup onto this (empty) instance, then verify the audit chain."""
    from sipadu.settings import SettingsError, settings_from_env

    os.umask(0o077)
    try:
        settings = settings_from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    settings.instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = make_engine(
        settings.database_url, settings.database_schema, settings.database_connect_timeout
    )
    store = blob_store_from_settings(settings)
    unfinished = unfinished_restore_problem(settings.instance_dir) is not None
    try:
        # Refuse a non-empty target before the (slow) escrow key derivation.
        if unfinished and not replace:
            raise RestoreError(
                "an earlier restore into this instance did not finish; pass --replace"
            )
        if not replace and not target_is_empty(engine, store):
            raise RestoreError("the target instance is not empty; pass --replace to overwrite it")
        passphrase = read_passphrase(passphrase_stdin, confirm=False)
        try:
            private = read_escrow_private(key_path, passphrase)
        except WrongPassphraseError:
            raise click.ClickException(
                "The passphrase does not unlock this escrow key file; nothing was restored. "
                "Try again."
            ) from None
        except CryptoError as error:
            raise click.ClickException(f"the escrow key file cannot be used: {error}") from None
        if unfinished:
            _remove_leftovers(store, settings.instance_dir)
        mark_restore_started(settings.instance_dir)
        with (
            deferred_interrupts(),
            backup_file.open("rb") as source,
            click.progressbar(
                length=backup_file.stat().st_size, label="Restoring", file=sys.stderr, hidden=quiet
            ) as bar,
        ):
            report = restore_backup(
                source,
                private,
                engine=engine,
                store=store,
                keys_dir=settings.keys_dir,
                staging_root=settings.instance_dir,
                replace=replace,
                progress=bar.update,
            )
    except RestoreNotUndoneError as error:  # half-written: the mark stays
        raise click.ClickException(f"restore failed: {error}") from None
    except (RestoreError, BackupFormatError, BackupKeyError, BlobStoreError) as error:
        if not unfinished:  # rolled back to the state before; an earlier half state stays marked
            mark_restore_finished(settings.instance_dir)
        if isinstance(error, BlobStoreError):  # met while loading: everything was taken back
            raise click.ClickException(
                f"restore failed: {error}. Nothing of it is left: the instance is as it was "
                "before; run the same command again once the store takes writes"
            ) from None
        raise click.ClickException(f"restore refused: {error}") from None
    finally:
        engine.dispose()
    ignore_interrupts()
    if interrupt_requested():
        click.echo("Ctrl-C came after the last point the restore could stop at.", err=True)
    for name in report.keys_restored:
        click.echo(f"Restored key file {settings.keys_dir / name}.")
    chain = report.chain
    if chain is None or not chain.ok:
        click.echo(
            f"Restore FAILED the audit check at row {chain and chain.first_bad_seq}: "
            f"{chain and chain.problem}",
            err=True,
        )
        raise SystemExit(1)
    mark_restore_finished(settings.instance_dir)
    click.echo(
        f"Restored {sum(report.rows.values())} rows and {report.blobs} blobs; "
        f"audit log intact: {chain.rows_checked} rows verified."
    )


def _remove_leftovers(store: BlobStore, instance_dir: Path) -> None:
    """What a killed restore left half-written: its staging folder (the backup's audit key
    and database export in the clear), a folder store's temporary files, an S3 store's
    unfinished multipart uploads."""
    # boto3 is a fifth of every sipadu command's start-up; only S3 instances import it.
    from sipadu.storage.s3 import S3BlobStore

    names = [path.name for path in remove_staging_folders(instance_dir)]
    if isinstance(store, FilesystemBlobStore):
        names += [path.name for path in remove_partial_blobs(store.root)]
    elif isinstance(store, S3BlobStore):
        names += store.abort_unfinished_uploads()
    for name in names:
        click.echo(f"Removed {name}, left by the unfinished restore.")


@storage_cli.command("gc")
@click.option(
    "--min-age",
    type=click.IntRange(0),
    default=ORPHAN_MIN_AGE_SECONDS,
    show_default=True,
    help="Only orphans older than this many seconds are removed.",
)
def storage_gc(min_age: int) -> None:
    """Remove orphan blobs; report rows whose blob is missing or malformed (exit 1)."""
    store = blob_store_from_settings(current_settings())
    try:
        report = sweep_storage(db_session(), store, min_age)
    except BlobStoreError as error:
        raise click.ClickException(f"storage gc stopped: {error}") from None
    for blob_id in report.removed:
        click.echo(f"removed orphan blob {blob_id}")
    for problem in report.problems:
        click.echo(
            f"PROBLEM case {problem.case_code} attachment {problem.attachment_id} "
            f"blob {problem.blob_id}: {problem.problem}",
            err=True,
        )
    click.echo(
        f"{len(report.removed)} orphan(s) removed; {report.checked} attachment(s) "
        f"checked, {len(report.problems)} problem(s)."
    )
    if report.problems:
        raise SystemExit(1)


@storage_cli.command("create-bucket", with_appcontext=False)
@click.option(
    "--credentials-file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An S3 identity allowed to create buckets (SeaweedFS: the Admin one), same format "
    "as SIPADU_S3_CREDENTIALS_FILE.",
)
@click.option("--bucket", envvar="SIPADU_S3_BUCKET", help="Default: SIPADU_S3_BUCKET.")
@click.option(
    "--endpoint-url", envvar="SIPADU_S3_ENDPOINT_URL", help="Default: SIPADU_S3_ENDPOINT_URL."
)
def storage_create_bucket(credentials_file: Path, bucket: str, endpoint_url: str | None) -> None:
    """Create the S3 bucket for the blobs through the S3 API (once, before the first start)."""
    from sipadu.settings import SettingsError, s3_from_env
    from sipadu.storage.s3 import create_bucket

    env = {
        **os.environ,
        "SIPADU_S3_BUCKET": bucket or "",
        "SIPADU_S3_ENDPOINT_URL": endpoint_url or "",
        "SIPADU_S3_CREDENTIALS_FILE": str(credentials_file),
    }
    try:
        settings = s3_from_env(env)
        created = create_bucket(settings)
    except (SettingsError, BlobStoreError) as error:
        raise click.ClickException(str(error)) from None
    verb = "Created" if created else "Already there:"
    click.echo(f"{verb} bucket {settings.bucket}.")


@sessions_cli.command("purge")
def sessions_purge() -> None:
    """Delete expired sessions and case-key throttle rows older than a day.

    Run every few minutes from a timer: a reporter session row names its case, and must not
    outlive the session."""
    sessions, throttles = purge_reporter_traces(db_session())
    click.echo(f"Purged {sessions} expired sessions and {throttles} stale throttle rows.")
