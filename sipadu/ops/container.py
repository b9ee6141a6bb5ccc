"""The encrypted backup file: a random file key wrapped for the escrow public key, then the
archive in the crypto core's chunked stream encryption (no new primitives).

Format (version 1)::

    magic "SIPADU-BACKUP\\n" (14) || version (1, 0x01)
        || grant: the file key wrapped for the escrow public key (grants.py, context "backup")
        || STREAM ciphertext of the tar archive (stream.py, unpadded)

Only the offline escrow private key opens it, so the backup server never holds anything
readable. Anyone who has ``escrow.pub`` could *write* such a file: keep the SHA-256 that
``sipadu backup create`` prints, and compare it before a restore (docs/operations.md).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from sipadu.crypto import grants
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.stream import Readable, StreamEncryptor, Writable, decrypt_stream, new_file_key

MAGIC = b"SIPADU-BACKUP\n"
VERSION = 1
CONTEXT = "backup"
HEADER_SIZE = len(MAGIC) + 1 + grants.GRANT_SIZE


class BackupFormatError(Exception):
    """The file is not a SIPADU backup of a version this code reads."""


class BackupKeyError(Exception):
    """The escrow key given does not open this backup."""


def open_encrypted_writer(sink: Writable, escrow_public: bytes) -> StreamEncryptor:
    """Write the header to ``sink`` and return the encryptor the archive is written into."""
    file_key = new_file_key()
    grant = grants.wrap_for_recipient(file_key, escrow_public, case_id=CONTEXT)
    sink.write(MAGIC + bytes((VERSION,)) + grant)
    return StreamEncryptor(sink, file_key, pad=False)


class _DecryptingReader(io.RawIOBase):
    """A read-only file over decrypted chunks (each authenticated before it is returned)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            piece = next(self._chunks, None)
            if piece is None:
                return 0
            self._pending = piece
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def open_encrypted_reader(source: Readable, escrow_private: bytes) -> io.BufferedReader:
    """Check the header, unwrap the file key and return a reader of the plaintext archive.

    Reading raises DecryptionError at the first damaged or missing chunk."""
    header = source.read(HEADER_SIZE)
    if len(header) != HEADER_SIZE or not header.startswith(MAGIC):
        raise BackupFormatError("this file is not a SIPADU backup")
    if header[len(MAGIC)] != VERSION:
        raise BackupFormatError(f"unknown backup format version {header[len(MAGIC)]}")
    try:
        file_key = grants.unwrap_grant(header[len(MAGIC) + 1 :], escrow_private, case_id=CONTEXT)
    except (DecryptionError, ValueError):
        raise BackupKeyError(
            "this escrow key does not open the backup "
            "(a backup of another instance, or a damaged header)"
        ) from None
    return io.BufferedReader(
        _DecryptingReader(decrypt_stream(source, file_key)), buffer_size=64 * 1024
    )
