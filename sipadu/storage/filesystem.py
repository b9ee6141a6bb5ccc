"""Filesystem blob store: one flat directory, one file per blob.

* Writers create ``tmp-<random>.partial`` (mode 0600, O_EXCL) in the store
  directory, so the final rename never crosses a filesystem.
* ``commit`` flushes and fsyncs the file, links it to a fresh random id
  (``link`` fails instead of replacing an existing blob), unlinks the temp
  name and fsyncs the directory so the new entry survives a crash.
* Ids are validated against ``[0-9a-f]{32}`` before any path is built, and
  files are opened with O_NOFOLLOW: no traversal, no symlink games.
* A committed blob's access and modification times, and the directory's modification time
  after a commit or delete, are set to the start of the UTC day: the file system does not
  keep the exact time a reporter's file arrived. The inode change time (ctime) cannot be set
  by a program and stays exact; see docs/media.md for what the operator can do.
* ``delete`` overwrites the file with zeros and fsyncs before unlinking. On
  SSDs and copy-on-write filesystems this is best effort; the real guarantee
  is that blobs are ciphertext whose key dies with the database row.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import BinaryIO, cast

from sipadu.storage.advice import BackgroundAdvice
from sipadu.storage.base import (
    BLOB_ID_PATTERN,
    BlobExistsError,
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    BlobStoreFullError,
    BlobTooLargeError,
    BlobWriter,
    validate_blob_id,
)
from sipadu.storage.readahead import open_prefetching

_TEMP_PATTERN = re.compile(r"tmp-[0-9a-f]{32}\.partial")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_WIPE_CHUNK = bytes(64 * 1024)
_DONTNEED = getattr(os, "POSIX_FADV_DONTNEED", None)  # Linux and most Unixes; not macOS
# Every this many bytes a writer asks the kernel to start writing what it has to disk.
WRITEBACK_WINDOW = 8 * 1024 * 1024
# "No space left" and "quota exceeded": the store is full, not broken.
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def _is_full(error: OSError) -> bool:
    return error.errno in _FULL_ERRNOS


class _FilesystemBlobWriter(BlobWriter):
    def __init__(
        self, store: FilesystemBlobStore, max_size: int | None, blob_id: str | None = None
    ) -> None:
        self._store = store
        self._max_size = max_size
        self._blob_id = blob_id  # None: a fresh random id at commit
        self._temp = store.root / f"tmp-{secrets.token_hex(16)}.partial"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
        try:
            self._file: BinaryIO = os.fdopen(os.open(self._temp, flags, 0o600), "wb")
        except OSError as error:
            if _is_full(error):
                raise BlobStoreFullError("blob store is full") from None
            raise
        self._size = 0
        self._written_back = 0
        self._advice = BackgroundAdvice(self._file.fileno())
        self._state = "open"

    def _give_up_if_full(self, error: OSError) -> None:
        """Translate a full disk into BlobStoreFullError, freeing the partial file first."""
        if _is_full(error):
            self.abort()
            raise BlobStoreFullError("blob store is full") from None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._state != "open":
            raise BlobStoreError("writer is not open")
        count = memoryview(data).nbytes
        if self._max_size is not None and self._size + count > self._max_size:
            raise BlobTooLargeError("blob exceeds its size limit")
        try:
            self._file.write(data)
        except OSError as error:
            self._give_up_if_full(error)
            raise
        self._size += count
        if self._size - self._written_back >= WRITEBACK_WINDOW:
            self._start_writeback()
        return count

    def _start_writeback(self) -> None:
        """Let the disk work while the upload goes on, instead of all at commit's fsync.

        Linux starts writing dirty pages back when told they are not needed, and drops the
        pages of the window before, written back by now: a large blob then neither waits
        for the disk all at once nor fills the page cache with ciphertext. A helper thread
        makes that call (``advice``); durability still comes from commit's fsync.
        """
        self._file.flush()
        previous = max(0, self._written_back - WRITEBACK_WINDOW)
        if _DONTNEED is not None:
            self._advice.advise(previous, self._size - previous, _DONTNEED)
        self._written_back = self._size

    def commit(self) -> str:
        if self._state != "open":
            raise BlobStoreError("writer is not open")
        try:
            self._file.flush()
            self._advice.close()
            day = start_of_utc_day(time.time())
            os.utime(self._file.fileno(), (day, day))
            os.fsync(self._file.fileno())
            self._file.close()
            blob_id = self._store._publish(self._temp, self._blob_id)
        except OSError as error:
            self._give_up_if_full(error)
            raise
        self._state = "committed"
        return blob_id

    def abort(self) -> None:
        if self._state != "open":
            return
        self._state = "aborted"
        self._advice.close()
        with contextlib.suppress(OSError):
            self._file.close()
        try:
            self._store._shred(self._temp)
        except FileNotFoundError:
            pass
        except OSError:
            # Overwriting failed (e.g. a full disk): removing the ciphertext still frees space.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._temp)


class FilesystemBlobStore(BlobStore):
    """A :class:`BlobStore` in one local directory (created 0700 if missing)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root = self.root.resolve()

    def _path(self, blob_id: str) -> Path:
        return self.root / validate_blob_id(blob_id)

    def _fsync_dir(self) -> None:
        """Blur the directory's times to the day (an entry was added or removed) and sync it."""
        fd = os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            day = start_of_utc_day(time.time())
            # Only the directory's owner may set its times; a store in a folder the service
            # may write but does not own still works, with exact folder times.
            with contextlib.suppress(PermissionError):
                os.utime(fd, (day, day))
            os.fsync(fd)
        finally:
            os.close(fd)

    def _publish(self, temp: Path, wanted: str | None = None) -> str:
        """Give the temp file its final name: ``wanted``, or a fresh random id. Never
        replaces a blob (BlobExistsError when ``wanted`` is taken)."""
        for _ in range(8):
            blob_id = wanted or secrets.token_hex(16)
            final = self.root / blob_id
            try:
                os.link(temp, final)
            except FileExistsError:
                if wanted:
                    raise BlobExistsError("a blob with this id exists") from None
                continue
            except OSError:
                # No hard links on this filesystem: fall back to rename.
                if final.exists():
                    if wanted:
                        raise BlobExistsError("a blob with this id exists") from None
                    continue
                os.rename(temp, final)
            else:
                os.unlink(temp)
            self._fsync_dir()
            return blob_id
        raise BlobStoreError("could not allocate a blob id")

    def _shred(self, path: Path) -> None:
        fd = os.open(path, os.O_WRONLY | _NOFOLLOW | _CLOEXEC)
        try:
            remaining = os.fstat(fd).st_size
            while remaining > 0:
                remaining -= os.write(fd, _WIPE_CHUNK[: min(remaining, len(_WIPE_CHUNK))])
            os.fsync(fd)
        finally:
            os.close(fd)
        os.unlink(path)
        self._fsync_dir()

    def open_writer(self, *, max_size: int | None = None) -> BlobWriter:
        """Start a new blob in a temporary file next to the final ones."""
        return _FilesystemBlobWriter(self, max_size)

    def import_blob(self, blob_id: str, source: BinaryIO) -> int:
        """Copy ``source`` into a temp file and publish it as ``blob_id`` (never replacing)."""
        size = 0
        with _FilesystemBlobWriter(self, None, validate_blob_id(blob_id)) as writer:
            while piece := source.read(WRITEBACK_WINDOW):
                size += writer.write(piece)
            writer.commit()
        return size

    def check(self) -> None:
        """The folder can be written by this account."""
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise BlobStoreError(f"{self.root} is not writable by this account (SIPADU_BLOB_DIR)")

    def blob_ids(self) -> Iterator[str]:
        """The names of the blob files (temp files and foreign files are not blobs)."""
        for entry in os.scandir(self.root):
            if BLOB_ID_PATTERN.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                yield entry.name

    def open(self, blob_id: str) -> BinaryIO:
        """Open a blob for reading."""
        try:
            fd = os.open(self._path(blob_id), os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        except FileNotFoundError:
            raise BlobNotFoundError("no such blob") from None
        # Blobs are read from start to end (a download): the next windows are asked for.
        return cast(BinaryIO, open_prefetching(fd))

    def delete(self, blob_id: str) -> None:
        """Overwrite the blob with zeros, fsync, unlink and fsync the directory."""
        try:
            self._shred(self._path(blob_id))
        except FileNotFoundError:
            raise BlobNotFoundError("no such blob") from None

    def exists(self, blob_id: str) -> bool:
        """True if the blob exists as a regular file."""
        try:
            return stat.S_ISREG(self._path(blob_id).lstat().st_mode)
        except FileNotFoundError:
            return False

    def size(self, blob_id: str) -> int:
        """Size of the blob in bytes."""
        try:
            return self._path(blob_id).lstat().st_size
        except FileNotFoundError:
            raise BlobNotFoundError("no such blob") from None

    def sweep_orphans(
        self,
        known_ids: Collection[str],
        older_than_seconds: float = 3600,
        *,
        now: float | None = None,
    ) -> list[str]:
        """Shred unknown blobs and stale temp files older than the threshold.

        Files whose names the store never creates are left alone. Age is the
        modification time, so a slow upload in progress is safe; for a committed blob, whose
        modification time is the start of its day, it is the inode change time (set when it
        was committed), so one committed moments ago whose database row is not yet committed
        is safe too.
        """
        known = set(known_ids)
        cutoff = (time.time() if now is None else now) - older_than_seconds
        removed: list[str] = []
        for entry in os.scandir(self.root):
            name = entry.name
            ours = BLOB_ID_PATTERN.fullmatch(name) or _TEMP_PATTERN.fullmatch(name)
            if not ours or name in known or not entry.is_file(follow_symlinks=False):
                continue
            if _age_mark(entry.stat(follow_symlinks=False)) > cutoff:
                continue
            with contextlib.suppress(FileNotFoundError):
                self._shred(self.root / name)
                removed.append(name)
        return sorted(removed)


def start_of_utc_day(moment: float) -> int:
    """The POSIX time of 00:00 UTC on the day of ``moment``."""
    return int(moment) // 86400 * 86400


def _age_mark(info: os.stat_result) -> float:
    """When a file was last written: its mtime, or its ctime if the mtime was blurred."""
    if info.st_mtime_ns == start_of_utc_day(info.st_mtime) * 10**9:
        return max(info.st_mtime, info.st_ctime)
    return info.st_mtime
