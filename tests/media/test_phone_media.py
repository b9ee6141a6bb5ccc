"""Phone photos and videos (HEIC, MP4, MOV, 3GP): what comes out, and what is refused."""

from __future__ import annotations

import struct
import tracemalloc

import pytest

from sipadu.media import FileKind, MediaCleaningError, determined_content_type, make_cleaner
from sipadu.media.heif import EMPTY_EXIF
from sipadu.media.sniff import CleaningLimits, cleaner_for
from tests.media import bmff_files as f
from tests.media.bmff_files import box, full_box


def clean(data: bytes, piece: int | None = None, limits: CleaningLimits | None = None) -> bytes:
    cleaner = make_cleaner("clip.mp4", "video/mp4", limits=limits)
    step = piece or len(data) or 1
    out = b"".join(cleaner.feed(data[i : i + step]) for i in range(0, len(data), step))
    return out + bytes(cleaner.finish())


def refusal(data: bytes, limits: CleaningLimits | None = None) -> str:
    with pytest.raises(MediaCleaningError) as caught:
        clean(data, limits=limits)
    assert str(caught.value.message)  # a sentence for the reporter, never a traceback
    return caught.value.reason


def top_level(data: bytes) -> list[bytes]:
    """The top-level box types; fails unless the boxes fill the file exactly."""
    kinds, pos = [], 0
    while pos < len(data):
        size = struct.unpack(">I", data[pos : pos + 4])[0]
        assert size >= 8 and pos + size <= len(data)
        kinds.append(data[pos + 4 : pos + 8])
        pos += size
    return kinds


VIDEOS = {
    "iphone_mov_moov_last": f.video(moov_first=False),
    "android_mp4_moov_first": f.video(moov_first=True, brand=b"mp42"),
    "3gp": f.video(moov_first=True, brand=b"3gp5", gps_track=False),
}


@pytest.mark.parametrize("name", VIDEOS)
def test_video_leaves_without_location_device_or_time(name: str) -> None:
    data = VIDEOS[name]
    out = clean(data)
    for secret in f.SECRETS:
        assert secret not in out, secret
    assert len(out) == len(data)  # no offset inside the file moved
    assert data.index(f.VIDEO_BYTES) == out.index(f.VIDEO_BYTES)
    assert data.index(f.SOUND_BYTES) == out.index(f.SOUND_BYTES)
    assert struct.pack(">I", f.CREATED) in data
    assert struct.pack(">I", f.CREATED) not in out
    assert b"moov" in top_level(out) and b"mdat" in top_level(out)


def test_pieces_of_any_size_give_the_same_video() -> None:
    data = VIDEOS["iphone_mov_moov_last"]
    assert clean(data, piece=7) == clean(data)


def test_report_says_what_was_removed_from_a_video() -> None:
    cleaner = cleaner_for(FileKind.MOV)
    cleaner.feed(VIDEOS["iphone_mov_moov_last"])
    cleaner.finish()
    removed = {item.value for item in cleaner.report.removed}
    assert {"location", "device_metadata", "creation_time", "metadata_track", "xmp"} <= removed
    assert determined_content_type(cleaner.report.as_dict()) == "video/quicktime"


def test_64_bit_header_times_are_zeroed() -> None:
    data = f.box(b"ftyp", b"mp42", bytes(4)) + box(b"moov", f.mvhd(version=1)) + box(b"mdat")
    out = clean(data)
    assert struct.pack(">Q", f.CREATED) not in out and len(out) == len(data)


def test_photo_leaves_without_exif_xmp_or_names() -> None:
    data = f.heic()
    out = clean(data)
    for secret in f.SECRETS:
        assert secret not in out, secret
    assert out.index(f.PICTURE) == data.index(f.PICTURE)
    assert out[data.index(f.EXIF) :].startswith(EMPTY_EXIF)  # a valid, empty EXIF block
    assert len(out) == len(data)


def test_bytes_after_a_complete_video_are_dropped() -> None:
    data = VIDEOS["android_mp4_moov_first"]
    out = clean(data + b"SEFT-vendor-trailer GPS " + f.GPS)
    assert f.GPS not in out and out == clean(data)


# --- hostile files ---------------------------------------------------------------------------

FTYP = box(b"ftyp", b"isom", bytes(4))


@pytest.mark.parametrize("name", ["iphone_mov_moov_last", "android_mp4_moov_first"])
def test_cut_short_video_is_refused(name: str) -> None:
    data = VIDEOS[name]
    cut = data.index(f.SOUND_BYTES)  # inside the media data: the rest never arrived
    assert refusal(data[:cut]) in ("truncated", "bad_data_location")


@pytest.mark.parametrize(
    "moov_body",
    [
        struct.pack(">I", 4) + b"udta",  # a box smaller than its own header
        struct.pack(">I", 4000) + b"udta" + f.GPS,  # a box running past its parent
        struct.pack(">IIQ", 1, 0x75647461, 2**62),  # a 64-bit size past the file
        b"\x00\x00\x00",  # bytes too few for a box header
    ],
)
def test_broken_box_sizes_are_refused(moov_body: bytes) -> None:
    assert refusal(FTYP + box(b"moov", moov_body) + box(b"mdat"))


def test_video_without_movie_header_is_refused() -> None:
    assert refusal(FTYP + box(b"mdat", f.VIDEO_BYTES)) == "no_image_data"


def test_fragmented_video_is_refused() -> None:
    moof = box(b"moof", full_box(b"mfhd", 0, bytes(4)))
    assert refusal(FTYP + box(b"moov", f.mvhd()) + moof + box(b"mdat")) == "unsupported_layout"


def test_oversized_video_is_refused_before_it_is_held() -> None:
    limits = CleaningLimits(bmff_max_bytes=1024)
    assert refusal(VIDEOS["iphone_mov_moov_last"], limits) == "video_too_large"


def test_a_file_of_countless_tiny_boxes_is_refused_in_bounded_memory() -> None:
    tiny = box(b"free") * (1024 * 1024)  # 8 MiB of empty boxes in the movie header
    data = FTYP + box(b"moov", tiny) + box(b"mdat")
    tracemalloc.start()
    try:
        assert refusal(data) == "too_many_structures"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * len(data)


def _metadata_track(offsets: list[int], sizes: list[int], per_chunk: int = 1) -> bytes:
    minf = box(b"minf", f.stbl(offsets, sizes, per_chunk))
    return box(b"trak", f.tkhd(9), box(b"mdia", f.mdhd(), f.hdlr(b"meta"), minf))


def test_sample_pointing_past_the_file_is_refused() -> None:
    data = FTYP + box(b"moov", f.mvhd(), _metadata_track([10**9], [16])) + box(b"mdat")
    assert refusal(data) == "bad_data_location"


def test_overlapping_samples_cannot_make_zeroing_quadratic() -> None:
    mdat = box(b"mdat", bytes(64 * 1024))
    chunks = [len(FTYP)] * 5000  # every chunk covers the whole file again
    moov = box(b"moov", f.mvhd(), _metadata_track(chunks, [60 * 1024] * 5000))
    assert refusal(FTYP + mdat + moov) == "too_many_structures"


def test_sample_table_claiming_more_entries_than_it_holds_is_refused() -> None:
    stco = full_box(b"stco", 0, struct.pack(">I", 2**31))
    stsc = full_box(b"stsc", 0, struct.pack(">IIII", 1, 1, 1, 1))
    stsz = full_box(b"stsz", 0, struct.pack(">II", 8, 1))
    minf = box(b"minf", box(b"stbl", stsc, stsz, stco))
    trak = box(b"trak", box(b"mdia", f.hdlr(b"meta"), minf))
    assert refusal(FTYP + box(b"moov", trak) + box(b"mdat")) == "bad_sample_table"


def test_photo_with_old_item_entries_is_refused() -> None:
    infe = full_box(b"infe", 0, struct.pack(">HH", 1, 0), b"name\x00")
    meta = full_box(b"meta", 0, f.hdlr(b"pict"), full_box(b"iinf", 0, b"\x00\x01", infe))
    data = box(b"ftyp", b"heic", bytes(4)) + meta + box(b"mdat")
    assert refusal(data) == "unsupported_layout"


def test_photo_item_located_outside_the_file_is_refused() -> None:
    infe = full_box(b"infe", 2, struct.pack(">HH", 1, 0), b"Exif", b"\x00")
    iloc = full_box(b"iloc", 0, b"\x44\x00", struct.pack(">HHHHII", 1, 1, 0, 1, 10**9, 99))
    iinf = full_box(b"iinf", 0, b"\x00\x01", infe)
    data = box(b"ftyp", b"heic", bytes(4)) + full_box(b"meta", 0, f.hdlr(b"pict"), iloc, iinf)
    assert refusal(data + box(b"mdat")) == "bad_data_location"


# --- programs and names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bukti.pdf", b"MZ\x90\x00" + bytes(60)),  # a Windows program named like a document
        ("foto.jpg", b"\x7fELF\x02\x01\x01" + bytes(60)),
        ("run.txt", b"#!/bin/sh\nrm -rf ~\n"),
        ("aplikasi.apk", b"PK\x03\x04" + bytes(60)),
        ("setup.EXE. ", b"plain text"),
    ],
)
def test_programs_are_refused(name: str, content: bytes) -> None:
    cleaner = make_cleaner(name, None)
    with pytest.raises(MediaCleaningError) as caught:
        cleaner.feed(content)
        cleaner.finish()
    assert caught.value.reason == "executable"
    assert "apk" in str(caught.value.message)


@pytest.mark.parametrize(
    "iloc_body",
    [
        b"\x44\x00" + struct.pack(">I", 2**31),  # version 2: items the box cannot hold
        b"\x00\x00" + struct.pack(">HHHH", 1, 1, 0, 65535),  # 65,535 extents of no size each
    ],
)
def test_photo_item_tables_claiming_too_much_are_refused(iloc_body: bytes) -> None:
    infe = full_box(b"infe", 2, struct.pack(">HH", 1, 0), b"Exif", b"\x00")
    version = 2 if iloc_body.startswith(b"\x44") else 1
    iloc = full_box(b"iloc", version, iloc_body)
    iinf = full_box(b"iinf", 0, b"\x00\x01", infe)
    data = box(b"ftyp", b"heic", bytes(4)) + full_box(b"meta", 0, f.hdlr(b"pict"), iloc, iinf)
    assert refusal(data + box(b"mdat")) in ("bad_item_location", "too_many_structures")
