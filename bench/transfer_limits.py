"""What this machine allows any upload or download, measured in the same run as ours.

The transfer targets are ratios to raw AES-GCM, but encryption is only one of the costs each
byte pays. The others are the machine's: the loopback copy from the client, the write into
the page cache and the disk behind the blob store, the disk read of a blob no longer cached,
and the one Argon2id case-key check every upload begins with. On a CPU with vector AES
(raw AES-GCM near 8 GiB/s) these, not encryption, bound a transfer; this module measures
them with the blob store's own writer and reader, so the report can tell how far SIPADU is
from the machine's limit and not only from the ratio.

* ``store_write``: ``size`` bytes in 1 MiB pieces through ``FilesystemBlobStore``'s writer
  (its writeback window, the commit's fsync), no encryption.
* ``loopback_store``: the same bytes sent by another process over TCP on 127.0.0.1 in the
  upload bench's pieces, received with ``recv_into`` and written through the store: an
  upload with no HTTP, no encryption and no key check.
* ``cold_read``: a committed blob, its pages dropped from the page cache, read through
  ``FilesystemBlobStore.open`` (its read-ahead included) in 1 MiB pieces on one thread, with
  nothing else to do: what a download of an uncached blob reads.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sipadu.storage.filesystem import FilesystemBlobStore

MIB = 1024 * 1024
PIECE = MIB
SEND_PIECE = 256 * 1024  # the upload bench client's piece
_SENDER = """
import secrets, socket, sys
port, size, piece = (int(a) for a in sys.argv[1:4])
data = memoryview(secrets.token_bytes(piece))
with socket.create_connection(("127.0.0.1", port)) as conn:
    while size > 0:
        conn.sendall(data[:min(piece, size)])
        size -= piece
"""


class TransferLimitError(RuntimeError):
    """A limit could not be measured (the sender failed or sent too little)."""


@dataclass(frozen=True)
class TransferLimits:
    """The machine's rates for the costs a transfer pays besides encryption, MiB/s."""

    store_write_mib_s: float
    loopback_store_mib_s: float
    cold_read_mib_s: float

    def upload_ceiling_mib_s(self, size: int, raw_mib_s: float, key_check_s: float) -> float:
        """The best one receiving thread could do: every byte received and stored at the
        measured loopback rate, encrypted at raw AES-GCM speed, after one key check."""
        mib = size / MIB
        return mib / (mib / self.loopback_store_mib_s + mib / raw_mib_s + key_check_s)


def _write_through_store(store: FilesystemBlobStore, size: int) -> str:
    piece = memoryview(os.urandom(PIECE))
    writer = store.open_writer()
    written = 0
    while written < size:
        written += writer.write(piece[: min(PIECE, size - written)])
    return writer.commit()


def store_write_mib_s(folder: Path, size: int) -> float:
    """Durable write of ``size`` bytes through the blob store's writer, MiB/s."""
    store = FilesystemBlobStore(folder)
    start = time.perf_counter()
    blob_id = _write_through_store(store, size)
    seconds = time.perf_counter() - start
    (store.root / blob_id).unlink()
    return size / MIB / seconds


def cold_read_mib_s(folder: Path, size: int) -> float:
    """Sequential read of an uncached ``size``-byte blob through the blob store, MiB/s."""
    store = FilesystemBlobStore(folder)
    blob_id = _write_through_store(store, size)
    path = store.root / blob_id
    fd = os.open(path, os.O_RDONLY)
    try:
        # The blob is fsynced, so its pages are clean and the kernel drops them all.
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    start = time.perf_counter()
    with store.open(blob_id) as blob:  # its reader, read-ahead included, as a download's
        read = 0
        while piece := blob.read(PIECE):
            read += len(piece)
    seconds = time.perf_counter() - start
    path.unlink()
    if read != size:
        raise TransferLimitError(f"read {read} of {size} bytes")
    return size / MIB / seconds


def loopback_store_mib_s(folder: Path, size: int) -> float:
    """``size`` bytes from another process over loopback TCP into the blob store, MiB/s."""
    store = FilesystemBlobStore(folder)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        sender = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed code
            [sys.executable, "-c", _SENDER, str(port), str(size), str(SEND_PIECE)]
        )
        try:
            server.settimeout(30)
            conn, _ = server.accept()
            start = time.perf_counter()
            received, blob_id = _receive_into_store(conn, store)
            seconds = time.perf_counter() - start
        finally:
            if sender.wait(timeout=60) != 0:
                raise TransferLimitError("the loopback sender failed")
    (store.root / blob_id).unlink()
    if received != size:
        raise TransferLimitError(f"received {received} of {size} bytes")
    return size / MIB / seconds


def _receive_into_store(conn: socket.socket, store: FilesystemBlobStore) -> tuple[int, str]:
    buffer = bytearray(PIECE)
    view = memoryview(buffer)
    writer = store.open_writer()
    received = 0
    with conn:
        conn.settimeout(60)
        while count := conn.recv_into(buffer):
            writer.write(view[:count])
            received += count
    return received, writer.commit()


def set_blobs_cached(blob_dir: Path, cached: bool) -> None:
    """Put every blob in the page cache (read once) or out of it (its pages dropped): the
    upload leaves some of its blob cached, some not, as writeback happened to go."""
    buffer = bytearray(8 * MIB)
    for path in blob_dir.iterdir():
        if not path.is_file() or path.name.startswith("tmp-"):
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            if cached:
                while os.readv(fd, [buffer]):
                    pass
            else:
                os.fsync(fd)  # only clean pages can be dropped
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def measure(size: int, folder: Path | None = None) -> TransferLimits:
    """All three rates for ``size`` bytes, in a temporary folder beside the bench instances
    (the same filesystem as their blob stores) unless ``folder`` is given."""
    with tempfile.TemporaryDirectory(prefix="sipadu-bench-limits-", dir=folder) as temporary:
        root = Path(temporary)
        return TransferLimits(
            store_write_mib_s(root / "write", size),
            loopback_store_mib_s(root / "loopback", size),
            cold_read_mib_s(root / "read", size),
        )
