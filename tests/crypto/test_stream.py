from __future__ import annotations

import io
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sipadu.crypto import stream
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.stream import StreamEncryptor, decrypt_stream
from tests.crypto.cryptokit import KEY, C, decrypt, encrypt, records

BOUNDARY_SIZES = [0, 1, C - 1, C, C + 1, 2 * C - 1, 2 * C, 2 * C + 1, 3 * C + 7]


@pytest.mark.parametrize("pad", [False, True])
@pytest.mark.parametrize("size", BOUNDARY_SIZES)
def test_round_trip_at_boundaries(size: int, pad: bool) -> None:
    data = bytes((i * 7) & 0xFF for i in range(size))
    blob = encrypt(data, pad=pad)
    assert decrypt(blob) == data


def test_unpadded_sizes() -> None:
    assert len(encrypt(b"", pad=False)) == stream.HEADER_SIZE + 16
    assert len(encrypt(b"x" * C, pad=False)) == stream.HEADER_SIZE + C + 16
    assert len(encrypt(b"x" * (C + 1), pad=False)) == stream.HEADER_SIZE + C + 1 + 32


def test_padded_sizes_hide_exact_length() -> None:
    small = {len(encrypt(bytes(n), pad=True)) for n in (0, 1, 1000, C - 1)}
    assert small == {stream.HEADER_SIZE + stream.RECORD_SIZE}
    sizes = {len(encrypt(bytes(n), pad=True)) for n in (C, C + 1, 2 * C - 1)}
    assert sizes == {stream.HEADER_SIZE + 2 * stream.RECORD_SIZE}
    for n in (0, 5, C, 3 * C + 5):
        assert (len(encrypt(bytes(n), pad=True)) - stream.HEADER_SIZE) % stream.RECORD_SIZE == 0


def test_padme() -> None:
    assert [stream.padme(n) for n in (0, 1, 2, 3, 9, 10, 11)] == [
        0,
        1,
        2,
        3,
        10,
        10,
        12,
    ]
    for n in range(1, 5000):
        padded = stream.padme(n)
        assert n <= padded <= n * 1.12 + 1
    assert stream.padded_record_count(1) == 1
    # 100 MiB of records pads to a bucket no more than 12 % larger.
    assert 1600 <= stream.padded_record_count(1600) <= 1792


def test_large_file_is_padded_with_pad_records() -> None:
    # 70 full chunks + an 11-byte tail need 71 records; above 4 MiB PADME
    # rounds to 128 KiB, so one padding record is added.
    n = 70 * C + 11
    blob = encrypt(bytes(n), pad=True)
    _, recs = records(blob)
    assert len(recs) == stream.padded_record_count(71) == 72
    assert decrypt(blob) == bytes(n)


@settings(max_examples=60, deadline=None)
@given(
    size=st.one_of(
        st.sampled_from(BOUNDARY_SIZES),
        st.integers(min_value=0, max_value=3 * C + 3),
        st.sampled_from([C, 2 * C, 3 * C]).flatmap(
            lambda b: st.integers(min_value=b - 3, max_value=b + 3)
        ),
    ),
    piece=st.one_of(st.none(), st.integers(min_value=1, max_value=2 * C + 1)),
    pad=st.booleans(),
)
def test_round_trip_property(size: int, piece: int | None, pad: bool) -> None:
    data = (b"SIPADU-" * (size // 7 + 1))[:size]
    blob = encrypt(data, pad=pad, piece=piece)
    chunks = list(decrypt_stream(io.BytesIO(blob), KEY))
    assert b"".join(chunks) == data
    assert all(len(c) <= C for c in chunks)


def test_piece_size_does_not_change_output() -> None:
    data = bytes(range(256)) * 700
    prefix = bytes(7)
    outputs = set()
    for piece in (1, 100, C - 1, C, C + 1, len(data)):
        sink = io.BytesIO()
        enc = StreamEncryptor(sink, KEY, pad=True, _nonce_prefix=prefix)
        for i in range(0, len(data), piece):
            enc.write(data[i : i + piece])
        enc.close()
        outputs.add(sink.getvalue())
    assert len(outputs) == 1


def test_memory_stays_flat_for_one_big_write() -> None:
    class CountingSink:
        def __init__(self) -> None:
            self.largest = 0
            self.total = 0

        def write(self, data: bytes | bytearray | memoryview, /) -> int:
            self.largest = max(self.largest, len(data))
            self.total += len(data)
            return len(data)

    sink = CountingSink()
    enc = StreamEncryptor(sink, KEY, pad=False)
    enc.write(memoryview(bytes(40 * C + 5)))
    assert len(enc._buffer) <= C
    # Sealed records reach the sink in batches as the write goes, not all at close().
    assert sink.total >= stream.BATCH_RECORDS * stream.RECORD_SIZE
    enc.close()
    assert sink.largest <= stream.HEADER_SIZE + stream.BATCH_RECORDS * stream.RECORD_SIZE
    assert sink.total == enc.ciphertext_size


def test_exception_in_context_manager_writes_no_final_record() -> None:
    sink = io.BytesIO()
    with pytest.raises(RuntimeError), StreamEncryptor(sink, KEY, pad=False) as enc:
        enc.write(b"partial upload")
        raise RuntimeError("client went away")
    with pytest.raises(DecryptionError):
        decrypt(sink.getvalue())
    with pytest.raises(ValueError):
        enc.write(b"more")


def test_close_is_idempotent_and_final() -> None:
    sink = io.BytesIO()
    enc = StreamEncryptor(sink, KEY, pad=False)
    enc.write(b"abc")
    enc.close()
    size = len(sink.getvalue())
    enc.close()
    assert len(sink.getvalue()) == size
    with pytest.raises(ValueError):
        enc.write(b"d")


def test_short_reads_from_the_source() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            return self._data.read(min(size, 1000) if size > 0 else 1000)

    data = bytes(3 * C + 17)
    blob = encrypt(data, pad=True)
    assert b"".join(decrypt_stream(Trickle(blob), KEY)) == data


def test_encrypt_stream_helper() -> None:
    data = bytes(range(256)) * 1000
    sink = io.BytesIO()
    assert stream.encrypt_stream(io.BytesIO(data), sink, KEY) == len(data)
    assert decrypt(sink.getvalue()) == data


@settings(max_examples=60, deadline=None)
@given(
    cuts=st.lists(st.integers(min_value=0, max_value=3 * C + 2), max_size=6),
    kinds=st.lists(st.sampled_from(["bytes", "bytearray", "memoryview"]), min_size=7, max_size=7),
    pad=st.booleans(),
)
def test_split_and_buffer_type_do_not_change_output(
    cuts: list[int], kinds: list[str], pad: bool
) -> None:
    """Whole chunks are sealed or held without copying where that is safe: a caller that
    reuses and overwrites its mutable buffer after each write must not change the blob."""
    data = bytes(range(256)) * (3 * C // 256) + b"tail"
    prefix = bytes(7)
    reference = io.BytesIO()
    with StreamEncryptor(reference, KEY, pad=pad, _nonce_prefix=prefix) as enc:
        enc.write(data)
    bounds = [0, *sorted(min(c, len(data)) for c in cuts), len(data)]
    sink = io.BytesIO()
    with StreamEncryptor(sink, KEY, pad=pad, _nonce_prefix=prefix) as enc:
        for (start, end), kind in zip(itertools.pairwise(bounds), kinds, strict=False):
            piece = bytearray(data[start:end])
            enc.write(
                bytes(piece)
                if kind == "bytes"
                else piece
                if kind == "bytearray"
                else memoryview(piece)
            )
            piece[:] = bytes(len(piece))  # the caller reuses its buffer
    assert sink.getvalue() == reference.getvalue()
