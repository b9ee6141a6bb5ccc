"""Tampering with streams: every change to a ciphertext must be detected."""

from __future__ import annotations

import io

import pytest

from sipadu.crypto import stream
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.stream import decrypt_stream, new_file_key
from tests.crypto.cryptokit import KEY, C, decrypt, encrypt, flip_each_byte, records


@pytest.mark.parametrize("pad", [False, True])
def test_every_flipped_byte_of_a_small_stream_is_rejected(small_chunks: int, pad: bool) -> None:
    data = bytes(range(small_chunks * 2 + 10))
    blob = encrypt(data, pad=pad)
    assert len(records(blob)[1]) >= 3
    assert decrypt(blob) == data
    for _, mutated in flip_each_byte(blob):
        with pytest.raises(DecryptionError):
            decrypt(mutated)


def test_flips_in_a_full_size_stream_are_rejected() -> None:
    data = bytes(2 * C + 100)
    blob = encrypt(data, pad=False)
    positions = set(range(stream.HEADER_SIZE + 40))
    for start in range(stream.HEADER_SIZE, len(blob), stream.RECORD_SIZE):
        positions.update(range(start, min(start + 32, len(blob))))
        end = min(start + stream.RECORD_SIZE, len(blob))
        positions.update(range(end - 40, end))
    positions.update(range(0, len(blob), 997))
    for position in sorted(positions):
        mutated = bytearray(blob)
        mutated[position] ^= 0x80
        with pytest.raises(DecryptionError):
            decrypt(bytes(mutated))


@pytest.mark.parametrize("pad", [False, True])
def test_truncation_is_detected(small_chunks: int, pad: bool) -> None:
    blob = encrypt(bytes(small_chunks * 3 + 5), pad=pad)
    for cut in range(len(blob)):
        with pytest.raises(DecryptionError):
            decrypt(blob[:cut])


@pytest.mark.parametrize("pad", [False, True])
def test_extension_is_detected(small_chunks: int, pad: bool) -> None:
    blob = encrypt(bytes(small_chunks * 2 + 5), pad=pad)
    _header, recs = records(blob)
    for extra in (b"\x00", bytes(16), recs[0], recs[-1], bytes(stream.RECORD_SIZE)):
        with pytest.raises(DecryptionError):
            decrypt(blob + extra)


@pytest.mark.parametrize("pad", [False, True])
def test_reordering_duplication_and_dropping(small_chunks: int, pad: bool) -> None:
    blob = encrypt(bytes(range(small_chunks * 3 + 5)), pad=pad)
    header, recs = records(blob)
    n = len(recs)
    variants = [
        [recs[1], recs[0], *recs[2:]],
        [recs[0], recs[0], *recs[1:]],
        [*recs[:-1], recs[-2], recs[-1]],
        [recs[0], *recs[2:]],
        [*recs[:-2], recs[-1]],
        recs[:-1],
        [*recs, recs[-1]],
        list(reversed(recs)),
    ]
    for variant in variants:
        assert len(variant) != n or variant != recs
        with pytest.raises(DecryptionError):
            decrypt(header + b"".join(variant))


def test_splicing_between_files_with_the_same_key(small_chunks: int) -> None:
    a = encrypt(bytes(small_chunks * 2 + 1), pad=False)
    b = encrypt(b"\xff" * (small_chunks * 2 + 1), pad=False)
    ha, ra = records(a)
    hb, rb = records(b)
    with pytest.raises(DecryptionError):
        decrypt(ha + rb[0] + b"".join(ra[1:]))
    with pytest.raises(DecryptionError):
        decrypt(hb + b"".join(ra))


def test_error_comes_before_the_bad_chunk_is_yielded(small_chunks: int) -> None:
    data = bytes(range(small_chunks)) * 4 + b"tail"
    blob = bytearray(encrypt(data, pad=False))
    bad_record = 2
    blob[stream.HEADER_SIZE + bad_record * stream.RECORD_SIZE + 3] ^= 1
    received: list[bytes] = []
    with pytest.raises(DecryptionError):
        for chunk in decrypt_stream(io.BytesIO(bytes(blob)), KEY):
            received.append(chunk)
    assert b"".join(received) == data[: bad_record * small_chunks]


def test_wrong_key_and_bad_headers() -> None:
    blob = encrypt(b"hello", pad=True)
    with pytest.raises(DecryptionError):
        decrypt(blob, new_file_key())
    for bad in (b"", b"\x01", blob[: stream.HEADER_SIZE], b"\x02" + blob[1:]):
        with pytest.raises(DecryptionError):
            decrypt(bad)


def test_padding_must_be_well_formed() -> None:
    # A key holder writing a padded final record without the 0x80 marker.
    header = bytes((stream.VERSION,)) + bytes(7)
    cipher = stream._ChunkCipher(KEY, header)
    bad = cipher.seal(0, stream.FLAG_FINAL_PADDED, bytes(C))
    with pytest.raises(DecryptionError):
        decrypt(header + bad)
    good = cipher.seal(0, stream.FLAG_FINAL_PADDED, b"ok\x80" + bytes(C - 3))
    assert decrypt(header + good) == b"ok"
    nonzero_pad = cipher.seal(0, stream.FLAG_PAD, b"\x01" + bytes(C - 1))
    with pytest.raises(DecryptionError):
        final = cipher.seal(1, stream.FLAG_FINAL_PADDED, b"\x80" + bytes(C - 1))
        decrypt(header + nonzero_pad + final)
