"""The upload bench's generated file: exact size, never whole in memory, order-sensitive."""

from __future__ import annotations

import hashlib

from bench.upload_bench import PIECE, GeneratedFile
from sipadu.media import FileKind, sniff


def test_generated_file_has_its_size_and_differs_from_piece_to_piece() -> None:
    file = GeneratedFile(5 * PIECE + 123)
    pieces = [bytes(piece) for piece in file.pieces()]
    assert sum(map(len, pieces)) == file.size and len(pieces[-1]) == 123
    assert len(set(pieces[:5])) == 5
    again = b"".join(file.pieces())  # the same bytes every time it is generated
    assert hashlib.sha256(b"".join(pieces)).digest() == hashlib.sha256(again).digest()
    swapped = [pieces[1], pieces[0], *pieces[2:]]
    assert b"".join(swapped) != again


def test_generated_file_is_not_a_type_the_cleaners_change() -> None:
    first = next(GeneratedFile(PIECE).pieces())
    assert sniff(bytes(first[:16])) is FileKind.OTHER
