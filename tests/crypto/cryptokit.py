"""Helpers shared by the crypto tests."""

from __future__ import annotations

import io
from collections.abc import Iterator

from sipadu.crypto import stream
from sipadu.crypto.stream import StreamEncryptor, decrypt_to_bytes


def flip_each_byte(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (position, data with that byte's low bit flipped) for every byte."""
    for i in range(len(data)):
        mutated = bytearray(data)
        mutated[i] ^= 0x01
        yield i, bytes(mutated)


KEY = bytes(range(32))
C = 64 * 1024


def encrypt(data: bytes, *, pad: bool, key: bytes = KEY, piece: int | None = None) -> bytes:
    """Encrypt ``data`` into bytes, in one write or in ``piece``-sized writes."""
    sink = io.BytesIO()
    enc = StreamEncryptor(sink, key, pad=pad)
    if piece is None:
        enc.write(data)
    else:
        for i in range(0, len(data), piece):
            enc.write(data[i : i + piece])
    enc.close()
    assert enc.plaintext_size == len(data)
    assert enc.ciphertext_size == len(sink.getvalue())
    return sink.getvalue()


def decrypt(blob: bytes, key: bytes = KEY) -> bytes:
    """Decrypt a whole stream held in memory."""
    return decrypt_to_bytes(io.BytesIO(blob), key)


def records(blob: bytes) -> tuple[bytes, list[bytes]]:
    """Split a stream into its header and its records."""
    body = blob[stream.HEADER_SIZE :]
    size = stream.RECORD_SIZE
    return blob[: stream.HEADER_SIZE], [body[i : i + size] for i in range(0, len(body), size)]
