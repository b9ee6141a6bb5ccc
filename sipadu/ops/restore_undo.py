"""Putting a restore target back as it was when the restore fails half-way.

A restore writes three places: key files (the backup's, and the per-machine ones it
generates when missing), the database and the blob store. A failure after
the first write (a blob store that stops answering, a full disk, a database error) used to
leave a half-filled target, which a second attempt then refused as "not empty". The undo
record keeps what each place held before: the key files' bytes, a snapshot of the database
(in the restore's private staging folder), and the blob ids the store held; :meth:`run`
puts the keys and the database back and deletes the blobs the restore added.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from sqlalchemy import Engine, MetaData, text

from sipadu import migrate
from sipadu.keyring import write_private_file
from sipadu.ops.dbsnapshot import (
    VERSION_TABLE,
    Snapshot,
    backend_of,
    clear_tables,
    export_postgres,
    load_rows,
    snapshot_sqlite,
)
from sipadu.storage.base import BlobNotFoundError, BlobStore

log = logging.getLogger("sipadu.ops.restore")


class RestoreUndo:
    """What the target held before the restore, and how to put it back."""

    def __init__(self, engine: Engine, store: BlobStore, keys_dir: Path, staging: Path) -> None:
        self.engine, self.store, self.keys_dir = engine, store, keys_dir
        self.blobs_before = frozenset(store.blob_ids())
        self.added_blobs: list[str] = []
        self.keys_before: dict[str, bytes | None] = {}
        # The folder itself: a restore creates it, or makes an existing one 0700.
        self.keys_dir_mode = keys_dir.stat().st_mode & 0o7777 if keys_dir.is_dir() else None
        self.database_before = _save_database(engine, staging)

    def key_written(self, name: str, previous: bytes | None) -> None:
        """Note a key file about to be written (``previous``: its bytes, None if absent)."""
        self.keys_before.setdefault(name, previous)

    def run(self) -> bool:
        """Put everything back; each part is tried even if another fails. Whether every
        part was put back."""
        whole = True
        for step in (self._delete_added_blobs, self._put_database_back, self._put_keys_back):
            try:
                step()
            except Exception as error:  # the restore's own error is the one raised
                log.error("undoing the failed restore: %s failed: %s", step.__name__, error)
                whole = False
        return whole

    def _delete_added_blobs(self) -> None:
        for blob_id in self.added_blobs:
            with contextlib.suppress(BlobNotFoundError):
                self.store.delete(blob_id)

    def _put_database_back(self) -> None:
        if migrate.current_revision(self.engine) is not None:
            migrate.downgrade(self.engine, "base")
        before = self.database_before
        if before is None or before.revision is None:
            # The target had no schema: it has none again, not even Alembic's own table.
            with self.engine.begin() as connection:
                connection.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
            return
        migrate.upgrade(self.engine, before.revision)
        with self.engine.begin() as connection:
            meta = MetaData()
            meta.reflect(connection)
            clear_tables(connection, meta)
            load_rows(connection, meta, before.rows())

    def _put_keys_back(self) -> None:
        for name, previous in self.keys_before.items():
            target = self.keys_dir / name
            target.unlink(missing_ok=True)
            if previous is not None:
                write_private_file(target, previous)
                if name.endswith(".pub"):
                    target.chmod(0o644)
        if self.keys_dir_mode is not None:
            self.keys_dir.chmod(self.keys_dir_mode)
        elif self.keys_dir.is_dir() and not any(self.keys_dir.iterdir()):
            self.keys_dir.rmdir()


def _save_database(engine: Engine, staging: Path) -> Snapshot | None:
    """The target database as it is (None when it has no schema yet)."""
    if migrate.current_revision(engine) is None:
        return None
    if backend_of(engine) == "sqlite":
        path = staging / "target-before.sqlite3"
        snapshot_sqlite(engine, path)
        return Snapshot(path, "sqlite")
    path = staging / "target-before.jsonl"
    export_postgres(engine, path)
    return Snapshot(path, "jsonl")
