"""The cleaners really stream: bounded lag and memory, and garbage never escapes as a crash."""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sipadu.media import (
    CleaningStatus,
    CleaningWriter,
    FileKind,
    MediaCleaningError,
    make_cleaner,
)
from tests.media import samples

PIECE = 64 * 1024


def big_png(idat_bytes: int) -> bytes:
    """A valid PNG header followed by one huge IDAT chunk (its content is not decoded)."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = bytes(range(256)) * (idat_bytes // 256)
    return (
        b"\x89PNG\r\n\x1a\n"
        + samples.png_chunk(b"IHDR", ihdr)
        + samples.png_chunk(b"tEXt", b"k\x00MARKER")
        + samples.png_chunk(b"IDAT", idat)
        + samples.png_chunk(b"IEND", b"")
    )


def big_jpeg(scan_bytes: int) -> bytes:
    """A JPEG whose scan is long: stuffed 0xFF 0x00 pairs and restart markers included."""
    base, _ = _clean_all(samples.jpeg_with_metadata())
    sos = base.index(b"\xff\xda")
    length = int.from_bytes(base[sos + 2 : sos + 4], "big")
    header = base[: sos + 2 + length]
    block = (bytes(range(1, 255)) + b"\xff\x00") * 8 + b"\xff\xd0"
    scan = block * (scan_bytes // len(block))
    return header + scan + b"\xff\xd9"


def _clean_all(data: bytes) -> tuple[bytes, object]:
    cleaner = make_cleaner("f", None)
    return cleaner.feed(data) + cleaner.finish(), cleaner.report


@pytest.mark.parametrize("build", [big_png, big_jpeg])
def test_output_keeps_pace_with_input(build: object) -> None:
    data = build(24 * 1024 * 1024)  # type: ignore[operator]
    cleaner = make_cleaner("f", None)
    taken = given_out = 0
    worst_lag = 0
    for start in range(0, len(data), PIECE):
        piece = data[start : start + PIECE]
        taken += len(piece)
        given_out += len(cleaner.feed(piece))
        worst_lag = max(worst_lag, taken - given_out)
    given_out += len(cleaner.finish())
    # Held back at any moment: at most one segment/header plus one piece, never the file.
    assert worst_lag <= 2 * PIECE + 70_000
    assert cleaner.report.status is not CleaningStatus.NOT_SUPPORTED


def test_cleaning_writer_passes_cleaned_pieces_to_the_sink() -> None:
    sink = io.BytesIO()
    writer = CleaningWriter(make_cleaner("photo.jpg", "image/jpeg"), sink)
    data = samples.jpeg_with_metadata()
    for start in range(0, len(data), 1000):
        assert writer.write(data[start : start + 1000]) == len(data[start : start + 1000])
    report = writer.finish()
    assert report.kind is FileKind.JPEG and report.status is CleaningStatus.CLEANED
    assert sink.getvalue() == _clean_all(data)[0]
    assert writer.finish() is report
    with pytest.raises(ValueError, match="after finish"):
        writer.write(b"x")


def test_cleaning_writer_propagates_refusal() -> None:
    writer = CleaningWriter(make_cleaner("a.png", None), io.BytesIO())
    writer.write(samples.png_with_metadata()[:100])
    with pytest.raises(MediaCleaningError):
        writer.finish()


SIGNATURES = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x10\x00\x00\x00WEBP", b"%PDF-1.4\n"]


@settings(max_examples=300, deadline=None)
@given(
    signature=st.sampled_from(SIGNATURES), rest=st.binary(max_size=600), piece=st.integers(1, 64)
)
def test_garbage_after_a_signature_is_refused_not_crashed(
    signature: bytes, rest: bytes, piece: int
) -> None:
    data = signature + rest
    cleaner = make_cleaner("f", None)
    try:
        for start in range(0, len(data), piece):
            cleaner.feed(data[start : start + piece])
        cleaner.finish()
    except MediaCleaningError as error:
        assert error.kind is not FileKind.OTHER


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(
        st.tuples(
            st.sampled_from([b"tEXt", b"IDAT", b"zzzz", b"IEND", b"eXIf"]), st.binary(max_size=40)
        ),
        max_size=6,
    )
)
def test_png_structures_built_from_parts_are_never_crashes(
    chunks: list[tuple[bytes, bytes]],
) -> None:
    body = b"".join(samples.png_chunk(kind, payload) for kind, payload in chunks)
    data = b"\x89PNG\r\n\x1a\n" + samples.png_chunk(b"IHDR", b"\x00" * 13) + body
    try:
        out, _ = _clean_all(data)
    except MediaCleaningError:
        return
    kinds, pos = [], 8
    while pos < len(out):
        length = int.from_bytes(out[pos : pos + 4], "big")
        kinds.append(out[pos + 4 : pos + 8])
        pos += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert not {b"tEXt", b"eXIf", b"zzzz"} & set(kinds)
