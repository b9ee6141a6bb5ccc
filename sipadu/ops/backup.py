"""`sipadu backup create`: one encrypted archive with a consistent snapshot of everything.

Order matters for consistency while the service runs: the database snapshot is taken first
(one backup call or one REPEATABLE READ transaction), then exactly the blobs that snapshot
references are copied. Blobs never change once published, and blobs created later belong to
rows the snapshot does not have. The tar is streamed through the encryptor: no plaintext
archive is ever written. The database snapshot passes through a file in a private temporary
folder (it holds only ciphertext and metadata) that is deleted as soon as it is archived.

Archive members: ``database/snapshot.sqlite3`` or ``database/export.jsonl``,
``keys/audit_hmac.key``, ``keys/escrow.pub``, ``blobs/<id>``… and, last, ``manifest.json``
with the SHA-256 and size of every other member.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from sipadu.crypto.stream import Writable
from sipadu.ops.container import open_encrypted_writer
from sipadu.ops.dbsnapshot import (
    backend_of,
    export_postgres,
    snapshot_sqlite,
    sqlite_blob_ids,
)
from sipadu.storage.base import BlobNotFoundError, BlobStore

MANIFEST = "manifest.json"
FORMAT = 1
BACKED_UP_KEYS = ("audit_hmac.key", "escrow.pub")
_COPY_CHUNK = 256 * 1024


class BackupError(Exception):
    """A backup cannot be made; the message says why."""


@dataclass
class BackupSummary:
    """What went into an archive."""

    backend: str
    blobs: int = 0
    missing_blobs: list[str] = field(default_factory=list)
    members: dict[str, dict[str, object]] = field(default_factory=dict)


class _HashingReader:
    """Reads a file for tarfile while hashing exactly what was archived."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.digest.update(data)
        return data


def _add_file(
    tar: tarfile.TarFile, name: str, source: BinaryIO, size: int, summary: BackupSummary
) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, 0
    reader = _HashingReader(source)
    tar.addfile(info, reader)
    summary.members[name] = {"sha256": reader.digest.hexdigest(), "size": size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, summary: BackupSummary) -> None:
    _add_file(tar, name, io.BytesIO(data), len(data), summary)


def _add_database(tar: tarfile.TarFile, engine: Engine, summary: BackupSummary) -> list[str]:
    """Snapshot the database into a private temp folder, archive it, delete it."""
    with tempfile.TemporaryDirectory(prefix="sipadu-backup-") as folder:  # mode 0700
        if summary.backend == "sqlite":
            path, name = Path(folder) / "snapshot.sqlite3", "database/snapshot.sqlite3"
            snapshot_sqlite(engine, path)
            blob_ids = sqlite_blob_ids(path)
        elif summary.backend == "postgresql":
            path, name = Path(folder) / "export.jsonl", "database/export.jsonl"
            blob_ids = export_postgres(engine, path)
        else:
            raise BackupError(f"cannot back up a {summary.backend} database")
        with path.open("rb") as source:
            _add_file(tar, name, source, path.stat().st_size, summary)
    return blob_ids


def _add_blobs(
    tar: tarfile.TarFile,
    store: BlobStore,
    blob_ids: list[str],
    summary: BackupSummary,
    progress: Callable[[int], None] | None,
) -> None:
    for blob_id in sorted(set(blob_ids)):
        try:
            with store.open(blob_id) as blob:
                _add_file(tar, f"blobs/{blob_id}", blob, store.size(blob_id), summary)
            summary.blobs += 1
        except BlobNotFoundError:
            # Purged after the snapshot, or already missing (`sipadu storage gc` reports it).
            summary.missing_blobs.append(blob_id)
        if progress is not None:
            progress(1)


def create_backup(
    sink: Writable,
    *,
    engine: Engine,
    store: BlobStore,
    escrow_public: bytes,
    key_files: Mapping[str, bytes],
    progress: Callable[[int], None] | None = None,
    on_blob_count: Callable[[int], None] | None = None,
) -> BackupSummary:
    """Write an encrypted archive of the database, the blobs and the key files to ``sink``."""
    summary = BackupSummary(backend=backend_of(engine))
    encryptor = open_encrypted_writer(sink, escrow_public)
    with (
        encryptor,
        tarfile.open(
            fileobj=encryptor,
            mode="w|",  # type: ignore[call-overload]
            format=tarfile.PAX_FORMAT,
        ) as tar,
    ):
        blob_ids = _add_database(tar, engine, summary)
        if on_blob_count is not None:
            on_blob_count(len(set(blob_ids)))
        for name, data in sorted(key_files.items()):
            _add_bytes(tar, f"keys/{name}", data, summary)
        _add_blobs(tar, store, blob_ids, summary, progress)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "backend": summary.backend,
            "members": summary.members,
            "missing_blobs": summary.missing_blobs,
        }
        data = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, 0
        tar.addfile(info, io.BytesIO(data))
    return summary


def read_key_files(keys_dir: Path) -> dict[str, bytes]:
    """The key files a restore on a new machine needs (see docs/operations.md)."""
    return {
        name: (keys_dir / name).read_bytes()
        for name in BACKED_UP_KEYS
        if (keys_dir / name).is_file()
    }
