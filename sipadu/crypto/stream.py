"""Chunked, streamed AES-256-GCM for attachments (the STREAM construction).

Format (version 1)::

    header  = version (1, 0x01) || nonce prefix (7, random)
    record  = AES-GCM(file key, nonce, chunk plaintext, aad = header)  # ct || tag
    nonce   = nonce prefix (7) || chunk counter (4, big-endian) || flag (1)
    blob    = header || record_0 || record_1 || ... || record_n

Every record but the last holds exactly 64 KiB of plaintext (65552 bytes on
disk); the last holds 0..64 KiB. The flag byte is part of the nonce, so it is
authenticated without being visible:

* ``0x00`` data, more follows;   ``0x01`` final data (end of stream);
* ``0x02`` padding (64 KiB of zeros, more follows);
* ``0x03`` final, padded: a full 64 KiB plaintext ``tail || 0x80 || 0x00*``.

Counter and flag in the nonce make truncation, extension, reordering and
duplication of records fail authentication. Readers must try the flags a
position allows (at most two) because the flag is deliberately not written
in the clear: a visible padding flag would reveal the size padding hides.

Padding (``pad=True``, the default): the writer adds padding records so the
record count becomes ``ceil(padme(n * 64 KiB) / 64 KiB)``, ``n`` the records
needed for the data plus the marker. Blob size then reveals the plaintext size
only to the next 64 KiB below 4 MiB, and within about 12 % (PADME) above.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Iterator
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sipadu.crypto.envelope import KEY_SIZE, TAG_SIZE
from sipadu.crypto.errors import DecryptionError

VERSION = 1
CHUNK_SIZE = 64 * 1024
PREFIX_SIZE = 7
HEADER_SIZE = 1 + PREFIX_SIZE
RECORD_SIZE = CHUNK_SIZE + TAG_SIZE
MAX_RECORDS = 2**32
# Sealed records handed to the sink at once (about 1 MiB): one write per batch instead of
# one per record nearly halves the cost of storing an upload (``make bench``).
BATCH_RECORDS = 16

FLAG_DATA = 0x00
FLAG_FINAL = 0x01
FLAG_PAD = 0x02
FLAG_FINAL_PADDED = 0x03
_MARKER = b"\x80"
_ZERO_CHUNK = bytes(CHUNK_SIZE)
_COUNTER_FLAG = struct.Struct(">IB")  # the nonce's last 5 bytes: counter (4) || flag (1)


class Writable(Protocol):
    """Any binary sink: a file, a blob store writer, a BytesIO.

    As with files, ``data`` is only valid during the call: a sink that keeps it must copy it
    (the encryptor reuses its buffer).
    """

    def write(self, data: bytes | bytearray | memoryview, /) -> object: ...


class Readable(Protocol):
    """Any binary source."""

    def read(self, size: int = -1, /) -> bytes: ...


def new_file_key() -> bytes:
    """Return a fresh random 256-bit key for one file (never reuse it)."""
    return secrets.token_bytes(KEY_SIZE)


def padme(length: int) -> int:
    """PADME padding (Nikitin et al., 2019): round ``length`` up, leaking
    O(log log length) bits, with at most ~12 % overhead."""
    if length < 2:
        return length
    exponent = length.bit_length() - 1
    last_bits = exponent - exponent.bit_length()
    mask = (1 << last_bits) - 1
    return (length + mask) & ~mask


def padded_record_count(records: int) -> int:
    """Number of records a padded stream with ``records`` real records gets."""
    return -(-padme(records * CHUNK_SIZE) // CHUNK_SIZE)


class _ChunkCipher:
    def __init__(self, key: bytes, header: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError("file key must be 32 bytes")
        self._aead = AESGCM(key)
        self._header = header
        self._prefix = header[1:]

    def _nonce(self, counter: int, flag: int) -> bytes:
        if counter >= MAX_RECORDS:
            # 2**32 records of 64 KiB = 256 TiB: the nonce space of one file.
            raise OverflowError("stream too long")
        return self._prefix + _COUNTER_FLAG.pack(counter, flag)

    def seal(self, counter: int, flag: int, plaintext: bytes | bytearray | memoryview) -> bytes:
        return self._aead.encrypt(self._nonce(counter, flag), plaintext, self._header)

    def seal_into(
        self, counter: int, flag: int, plaintext: bytes | bytearray | memoryview, out: memoryview
    ) -> None:
        """Seal into ``out``, which is exactly ``len(plaintext) + TAG_SIZE`` bytes."""
        self._aead.encrypt_into(self._nonce(counter, flag), plaintext, self._header, out)

    def open(self, counter: int, flag: int, record: bytes) -> bytes | None:
        try:
            return self._aead.decrypt(self._nonce(counter, flag), record, self._header)
        except InvalidTag:
            return None


class StreamEncryptor:
    """Encrypting writer: ``write()`` pieces of any size, then ``close()``.

    Holds at most one 64 KiB chunk of plaintext in memory: either a partial chunk in
    ``_buffer`` or a full one in ``_held`` (sealed only once more data shows it is not the
    last). Whole chunks are sealed straight from the caller's memory into a batch of
    :data:`BATCH_RECORDS` records (ciphertext only), which goes to the sink in one write
    when full and at ``close()`` (``make bench`` measures the cost against raw AES-GCM).
    ``close()`` writes the final
    record (also for an empty file) but does not close ``sink``. Used as a
    context manager, an exception skips the final record, so an interrupted
    upload never looks complete; the caller must discard the sink.
    """

    def __init__(
        self,
        sink: Writable,
        key: bytes,
        *,
        pad: bool = True,
        _nonce_prefix: bytes | None = None,
    ) -> None:
        prefix = secrets.token_bytes(PREFIX_SIZE) if _nonce_prefix is None else _nonce_prefix
        if len(prefix) != PREFIX_SIZE:
            raise ValueError("nonce prefix must be 7 bytes")
        header = bytes((VERSION,)) + prefix
        self._cipher = _ChunkCipher(key, header)
        self._sink = sink
        self._pad = pad
        self._buffer = bytearray()
        self._held: bytes | None = None
        self._counter = 0
        self._closed = False
        self.plaintext_size = 0
        self.ciphertext_size = HEADER_SIZE
        self._batch = bytearray(HEADER_SIZE + BATCH_RECORDS * RECORD_SIZE)
        self._batch_view = memoryview(self._batch)
        self._batch[:HEADER_SIZE] = header
        self._batch_used = HEADER_SIZE

    def _flush(self) -> None:
        """Hand the sealed records (and the header, the first time) to the sink."""
        if self._batch_used:
            self._sink.write(self._batch_view[: self._batch_used])
            self._batch_used = 0

    def _release_batch(self) -> None:
        self._batch_used = 0
        self._batch = bytearray()
        self._batch_view = memoryview(self._batch)

    def _emit(self, flag: int, plaintext: bytes | bytearray | memoryview) -> None:
        size = len(plaintext) + TAG_SIZE
        if self._batch_used + size > len(self._batch):
            self._flush()
        end = self._batch_used + size
        self._cipher.seal_into(
            self._counter, flag, plaintext, self._batch_view[self._batch_used : end]
        )
        self._batch_used = end
        self.ciphertext_size += size
        self._counter += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Encrypt ``data``; full chunks go to the sink as soon as more data follows."""
        if self._closed:
            raise ValueError("write to a closed StreamEncryptor")
        view = memoryview(data).cast("B")
        size = len(view)
        if not size:
            return 0
        pos = 0
        if self._held is not None:
            # More data follows, so the held chunk is not the final record.
            self._emit(FLAG_DATA, self._held)
            self._held = None
        elif self._buffer:
            pos = min(CHUNK_SIZE - len(self._buffer), size)
            self._buffer += view[:pos]
            if len(self._buffer) == CHUNK_SIZE:
                if pos < size:
                    self._emit(FLAG_DATA, self._buffer)
                else:
                    self._held = bytes(self._buffer)
                self._buffer.clear()
        while size - pos > CHUNK_SIZE:
            # A whole chunk with more data after it: seal it where it lies.
            self._emit(FLAG_DATA, view[pos : pos + CHUNK_SIZE])
            pos += CHUNK_SIZE
        if size - pos == CHUNK_SIZE:
            # Perhaps the final record: hold it. Immutable bytes of exactly one chunk need
            # no copy; anything else might change under us (or pin a larger object).
            if pos == 0 and isinstance(data, bytes):
                self._held = data
            else:
                self._held = bytes(view[pos:])
        elif pos < size:
            self._buffer += view[pos:]
        self.plaintext_size += size
        return size

    def close(self) -> None:
        """Write the final record (and padding). Idempotent."""
        if self._closed:
            return
        self._closed = True
        last = self._held if self._held is not None else bytes(self._buffer)
        self._held = None
        self._buffer.clear()
        if not self._pad:
            self._emit(FLAG_FINAL, last)
        else:
            self._emit_padded_final(last)
        self._flush()
        self._release_batch()

    def _emit_padded_final(self, last: bytes) -> None:
        if len(last) == CHUNK_SIZE:
            # The padded final record needs room for the marker byte.
            self._emit(FLAG_DATA, last)
            last = b""
        for _ in range(padded_record_count(self._counter + 1) - self._counter - 1):
            self._emit(FLAG_PAD, _ZERO_CHUNK)
        tail = last + _MARKER
        self._emit(FLAG_FINAL_PADDED, tail + bytes(CHUNK_SIZE - len(tail)))

    def abandon(self) -> None:
        """Stop without writing a final record (the result will not decrypt)."""
        self._closed = True
        self._held = None
        self._buffer.clear()
        self._release_batch()

    def __enter__(self) -> StreamEncryptor:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()


def encrypt_stream(source: Readable, sink: Writable, key: bytes, *, pad: bool = True) -> int:
    """Encrypt all of ``source`` into ``sink``; returns the plaintext size."""
    encryptor = StreamEncryptor(sink, key, pad=pad)
    while piece := source.read(CHUNK_SIZE):
        encryptor.write(piece)
    encryptor.close()
    return encryptor.plaintext_size


def _read_exact(source: Readable, size: int) -> bytes:
    first = source.read(size)
    if len(first) == size or not first:
        return first  # the usual case: one read, no join
    parts: list[bytes] = [first]
    remaining = size - len(first)
    while remaining:
        piece = source.read(remaining)
        if not piece:
            break
        parts.append(piece)
        remaining -= len(piece)
    return b"".join(parts)


def _strip_padding(plaintext: bytes) -> bytes:
    body = plaintext.rstrip(b"\x00")
    if not body.endswith(_MARKER):
        raise DecryptionError("bad stream padding")
    return body[:-1]


def _open_record(
    cipher: _ChunkCipher, counter: int, record: bytes, last: bool, padding: bool
) -> tuple[bytes, bool]:
    """Return (plaintext to yield, now in padding) or raise DecryptionError."""
    full = len(record) == RECORD_SIZE
    if not last:
        if not full:
            raise DecryptionError("stream record truncated")
        if not padding and (data := cipher.open(counter, FLAG_DATA, record)) is not None:
            return data, False
        if cipher.open(counter, FLAG_PAD, record) == _ZERO_CHUNK:
            return b"", True
        raise DecryptionError("stream record authentication failed")
    if not padding and (data := cipher.open(counter, FLAG_FINAL, record)) is not None:
        return data, False
    if full and (data := cipher.open(counter, FLAG_FINAL_PADDED, record)) is not None:
        return _strip_padding(data), True
    raise DecryptionError("stream final record missing or forged")


def decrypt_stream(source: Readable, key: bytes) -> Iterator[bytes]:
    """Yield plaintext chunks of an encrypted stream, authenticating each first.

    Raises DecryptionError at the first bad record, before yielding anything
    from it, and if the stream ends without a final record or continues after
    one. Data already yielded was authentic, but callers serving a download
    must still treat an error as a failed download.
    """
    header = _read_exact(source, HEADER_SIZE)
    if len(header) != HEADER_SIZE or header[0] != VERSION:
        raise DecryptionError("malformed stream header")
    cipher = _ChunkCipher(key, header)
    record = _read_exact(source, RECORD_SIZE)
    if len(record) < TAG_SIZE:
        raise DecryptionError("stream ended without a final record")
    counter, padding = 0, False
    while True:
        # One record of look-ahead tells us whether this one must be final.
        following = _read_exact(source, RECORD_SIZE)
        data = None
        if following and not padding and len(record) == RECORD_SIZE:
            # The usual case, a full data record with more after it, opened without the
            # general path's detours; anything else (padding, forgery) takes that path,
            # which then need not try the data flag again.
            data = cipher.open(counter, FLAG_DATA, record)
            if data is None:
                data, padding = _open_record(cipher, counter, record, False, True)
        else:
            data, padding = _open_record(cipher, counter, record, not following, padding)
        if data:
            yield data
        if not following:
            return
        record, counter = following, counter + 1
        if counter >= MAX_RECORDS:
            raise DecryptionError("stream too long")


def decrypt_to_bytes(source: Readable, key: bytes) -> bytes:
    """Decrypt a whole (small) stream into memory; for tests and tiny files."""
    return b"".join(decrypt_stream(source, key))
