"""`sipadu backup restore`: decrypt, check every member against the manifest, load, verify.

Members are written only to paths this module chooses (never ``tar.extract``), into a
private staging folder inside the instance folder. Nothing reaches the database or the blob
store until every hash matched; the audit chain is verified before success is declared.

It is all or nothing: when loading fails half-way, the keys, the database and the blob store
are put back as they were (``restore_undo.py``), so the same command can simply be run again.
With ``--replace``, the blobs the backup does not hold are deleted only once everything else
has succeeded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, func, select

from sipadu import migrate
from sipadu.audit.models import AuditEvent
from sipadu.audit.service import ChainReport, verify_chain
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.stream import Readable
from sipadu.keyring import SECRET_KEY_FILES, generate_missing_keys, write_private_file
from sipadu.ops.backup import BACKED_UP_KEYS, MANIFEST
from sipadu.ops.container import open_encrypted_reader
from sipadu.ops.dbsnapshot import VERSION_TABLE, Snapshot, clear_tables, load_rows
from sipadu.ops.interrupts import held, stop_point
from sipadu.ops.restore_undo import RestoreUndo
from sipadu.storage.base import BlobNotFoundError, BlobStore

_MEMBER = re.compile(
    r"(database/(snapshot\.sqlite3|export\.jsonl)|keys/(audit_hmac\.key|"
    r"escrow\.pub)|blobs/[0-9a-f]{32}|manifest\.json)"
)
_MAX_MANIFEST = 64 * 1024 * 1024
_KEEP_EVENTS = frozenset({"system:initialised"})
_STAGING_PREFIX = "restore-"


class RestoreError(Exception):
    """The backup cannot be restored here; the message says why."""


class RestoreInterruptedError(RestoreError):
    """Ctrl-C (SIGINT) stopped the restore, and the target is as it was before it."""


INTERRUPTED = "interrupted (Ctrl-C or SIGTERM); the instance is as it was before the restore"
_NOT_UNDONE = (
    "the restore failed and could not put everything back (the log says which part); the "
    "instance stays marked unfinished: fix the cause, then run the same restore with --replace"
)


class RestoreNotUndoneError(Exception):
    """The restore failed and its roll-back could not put everything back: the target is
    half-written and must keep its unfinished mark (deliberately not a RestoreError, which
    the CLI treats as "the target is as it was")."""


class BackupCorruptError(RestoreError):
    """A member is damaged, missing or unexpected; the message names it."""


@dataclass
class RestoreReport:
    """What was restored."""

    rows: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    keys_restored: list[str] = field(default_factory=list)
    chain: ChainReport | None = None


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> str:
    source = tar.extractfile(member)
    if source is None:
        raise BackupCorruptError(f"member {member.name} is not a regular file")
    digest = hashlib.sha256()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while piece := source.read(256 * 1024):
            stop_point()
            digest.update(piece)
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _unpack(reader: Any, staging: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Stream the archive into ``staging``; returns the manifest and each member's hash."""
    hashes: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    current = "the start of the archive"
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                stop_point()
                current = f"member {member.name}"
                if (
                    not member.isfile()
                    or not _MEMBER.fullmatch(member.name)
                    or member.name in hashes
                ):
                    raise BackupCorruptError(f"unexpected {current} in the backup")
                if member.name == MANIFEST:
                    data = tar.extractfile(member)
                    if data is None or member.size > _MAX_MANIFEST:
                        raise BackupCorruptError("the manifest is malformed")
                    manifest = json.loads(data.read())
                    continue
                dest = staging / member.name.replace("/", "__")
                hashes[member.name] = _copy_member(tar, member, dest)
                current = f"the data after member {member.name}"
    except DecryptionError:
        raise BackupCorruptError(
            f"the backup is damaged in {current}: it does not "
            "authenticate (altered, truncated or corrupted)"
        ) from None
    except (tarfile.TarError, ValueError, OSError) as error:
        raise BackupCorruptError(f"the archive is unreadable near {current}: {error}") from None
    if manifest is None:
        raise BackupCorruptError("the backup has no manifest (truncated?)")
    return manifest, hashes


def _check_manifest(manifest: dict[str, Any], hashes: dict[str, str]) -> None:
    listed = manifest.get("members")
    if not isinstance(listed, dict):
        raise BackupCorruptError("the manifest is malformed")
    for name, entry in sorted(listed.items()):
        if name not in hashes:
            raise BackupCorruptError(f"member {name} is listed in the manifest but missing")
        if not isinstance(entry, dict) or entry.get("sha256") != hashes[name]:
            raise BackupCorruptError(f"member {name} does not match its SHA-256 in the manifest")
    for name in sorted(set(hashes) - set(listed)):
        raise BackupCorruptError(f"member {name} is not listed in the manifest")


# One-row tables every migrated database holds (the chain's head, the day queue's count,
# the auditor console's checkpoint): their rows do not make a target "used".
_SEEDED_TABLES = ("audit_head", "audit_queue_state", "audit_checkpoint")


def target_is_empty(engine: Engine, store: BlobStore) -> bool:
    """True for a new instance: no rows beyond what `sipadu init` writes, and no blobs."""
    if next(store.blob_ids(), None) is not None:
        return False
    with engine.connect() as connection:
        meta = MetaData()
        meta.reflect(connection)
        for table in meta.sorted_tables:
            if table.name in (VERSION_TABLE, *_SEEDED_TABLES):
                continue
            query = select(func.count()).select_from(table)
            if table.name == AuditEvent.__tablename__:
                query = query.where(table.c.tag.not_in(_KEEP_EVENTS))
            if connection.execute(query).scalar():
                return False
    return True


def _restore_keys(staging: Path, keys_dir: Path, replace: bool, undo: RestoreUndo) -> list[str]:
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    restored = []
    for name in BACKED_UP_KEYS:
        staged = staging / f"keys__{name}"
        if not staged.exists():
            continue
        data, target = staged.read_bytes(), keys_dir / name
        previous = target.read_bytes() if target.exists() else None
        if previous is not None:
            if previous == data:
                continue
            if not replace:
                raise RestoreError(
                    f"{target} differs from the backup's copy; the restored data "
                    "needs the backup's key. Move it away or pass --replace."
                )
        undo.key_written(name, previous)
        target.unlink(missing_ok=True)
        write_private_file(target, data)
        if name.endswith(".pub"):
            target.chmod(0o644)
        restored.append(name)
    # The CSRF and rate-limit keys are per machine: new ones are as good as the old. Noted
    # first, so an interrupted restore takes them away again with everything else.
    for name in SECRET_KEY_FILES:
        if not (keys_dir / name).exists():
            undo.key_written(name, None)
    generate_missing_keys(keys_dir)
    return restored


def _known_revisions(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory  # lazily, as in sipadu/migrate.py

    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    return {revision.revision for revision in script.walk_revisions()}


def _load_database(engine: Engine, staging: Path, report: RestoreReport) -> None:
    """The backup's rows in a schema of its revision, then migrated to this version's head."""
    sqlite_path = staging / "database__snapshot.sqlite3"
    snapshot = (
        Snapshot(sqlite_path, "sqlite")
        if sqlite_path.exists()
        else Snapshot(staging / "database__export.jsonl", "jsonl")
    )
    if snapshot.revision is None:
        raise BackupCorruptError("the database snapshot has no schema revision")
    if snapshot.revision not in _known_revisions(engine):
        raise RestoreError(
            f"the backup's schema {snapshot.revision} is unknown to this "
            "version of SIPADU; install the version that made it"
        )
    stop_point()
    if migrate.current_revision(engine) is not None:
        migrate.downgrade(engine, "base")  # the target is empty (or is being replaced)
    migrate.upgrade(engine, snapshot.revision)
    stop_point()
    with engine.begin() as connection:
        meta = MetaData()
        meta.reflect(connection)
        clear_tables(connection, meta)
        report.rows = load_rows(connection, meta, snapshot.rows())
        stop_point()  # the rows are still uncommitted: stopping here rolls them back
    migrate.upgrade(engine, "head")


def _install_blobs(staging: Path, store: BlobStore, undo: RestoreUndo) -> int:
    """Put every staged blob into the store under its own id, through the store's interface
    (so a backup of one kind of store restores onto the other); staged files are removed as
    they go, so the staging folder never holds more than one extra copy. A blob the target
    already holds under the same id is left for :func:`_replace_old_blobs`."""
    count = 0
    for staged in sorted(staging.glob("blobs__*")):
        stop_point()
        blob_id = staged.name.removeprefix("blobs__")
        if blob_id not in undo.blobs_before:
            with staged.open("rb") as source:
                store.import_blob(blob_id, source)
            undo.added_blobs.append(blob_id)
            staged.unlink()
        count += 1
    return count


def _replace_old_blobs(staging: Path, store: BlobStore, undo: RestoreUndo) -> None:
    """After success with ``--replace``: the target's own blobs go, except those the backup
    holds under the same id. Blobs are never rewritten, so such a blob is normally the same
    one (the target was restored from this backup before) and stays as it is; only one whose
    bytes differ (damaged) is deleted and written again from the backup."""
    for old in sorted(undo.blobs_before):
        staged = staging / f"blobs__{old}"
        if staged.exists() and _same_bytes(store, old, staged):
            continue
        with contextlib.suppress(BlobNotFoundError):
            store.delete(old)
        if staged.exists():
            with staged.open("rb") as source:
                store.import_blob(old, source)


def _same_bytes(store: BlobStore, blob_id: str, staged: Path) -> bool:
    """Whether the store's blob holds exactly the staged file's bytes (SHA-256 of both)."""
    held, wanted = hashlib.sha256(), hashlib.sha256()
    try:
        with store.open(blob_id) as stored:
            while piece := stored.read(1024 * 1024):
                held.update(piece)
    except BlobNotFoundError:
        return False
    with staged.open("rb") as source:
        while piece := source.read(1024 * 1024):
            wanted.update(piece)
    return held.digest() == wanted.digest()


def remove_staging_folders(instance_dir: Path) -> list[Path]:
    """Delete the staging folders a killed restore left in ``instance_dir``: they hold the
    backup's audit key and database export in the clear. Returns what was removed."""
    stale = sorted(path for path in instance_dir.glob(f"{_STAGING_PREFIX}*") if path.is_dir())
    for path in stale:
        shutil.rmtree(path)
    return stale


class _Counting:
    """Reports bytes read from the backup file (for the progress bar)."""

    def __init__(self, source: Readable, progress: Callable[[int], None] | None) -> None:
        self._source, self._progress = source, progress

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        if self._progress is not None and data:
            self._progress(len(data))
        return data


def restore_backup(
    source: Readable,
    escrow_private: bytes,
    *,
    engine: Engine,
    store: BlobStore,
    keys_dir: Path,
    staging_root: Path,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RestoreReport:
    """Restore a backup onto this instance; raises RestoreError (or a subclass)."""
    if not replace and not target_is_empty(engine, store):
        raise RestoreError("the target instance is not empty; pass --replace to overwrite it")
    reader = open_encrypted_reader(_Counting(source, progress), escrow_private)
    staging_root.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = staging_root / f"{_STAGING_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
    staging.mkdir(mode=0o700)
    report = RestoreReport()
    try:
        try:
            manifest, hashes = _unpack(reader, staging)
            _check_manifest(manifest, hashes)
        except KeyboardInterrupt:  # nothing written yet but the staging folder
            raise RestoreInterruptedError(INTERRUPTED) from None
        undo = RestoreUndo(engine, store, keys_dir, staging)
        try:
            stop_point()
            report.keys_restored = _restore_keys(staging, keys_dir, replace, undo)
            _load_database(engine, staging, report)
            report.blobs = _install_blobs(staging, store, undo)
        except BaseException as error:
            # Said only once everything is back: the caller then clears the unfinished mark.
            with held():  # a second Ctrl-C must not stop the roll-back
                whole = undo.run()
            if not whole:
                raise RestoreNotUndoneError(_NOT_UNDONE) from error
            if isinstance(error, KeyboardInterrupt):
                raise RestoreInterruptedError(INTERRUPTED) from None
            raise
        if replace:
            _replace_old_blobs(staging, store, undo)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.chain = _verify(engine, keys_dir)
    return report


def _verify(engine: Engine, keys_dir: Path) -> ChainReport:
    from sqlalchemy.orm import Session

    from sipadu.audit.day_queue import verify_queue
    from sipadu.keyring import load_keyring

    key = load_keyring(keys_dir).audit_hmac_key
    with Session(engine) as session:
        report = verify_chain(session, key)
        queue = verify_queue(session, key)
    if report.ok and not queue.ok:
        return ChainReport(report.rows_checked, None, f"the reporter event queue: {queue.problem}")
    return report
