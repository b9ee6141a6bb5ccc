"""Helpers shared by the crypto tests."""

from __future__ import annotations

from collections.abc import Iterator


def flip_each_byte(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (position, data with that byte's low bit flipped) for every byte."""
    for i in range(len(data)):
        mutated = bytearray(data)
        mutated[i] ^= 0x01
        yield i, bytes(mutated)
