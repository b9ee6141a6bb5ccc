"""Metadata cleaners: real files in, no marker out, the picture unchanged, any split the same."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from sipadu.media import (
    SNIFF_BYTES,
    Cleaner,
    CleaningLimits,
    CleaningReport,
    CleaningStatus,
    FileKind,
    MediaCleaningError,
    NotCheckedReason,
    Removed,
    make_cleaner,
    sniff,
)
from tests.media import hostile, samples

# The sample JPEG carries an MPF block on purpose; Pillow warns about it when opening.
pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")

SAMPLES: dict[str, Callable[[], bytes]] = {
    "jpeg": samples.jpeg_with_metadata,
    "jpeg_progressive": lambda: samples.jpeg_with_metadata(progressive=True),
    "png": samples.png_with_metadata,
    "webp": samples.webp_with_metadata,
    "webp_lossless": lambda: samples.webp_with_metadata(lossless=True),
}
_CACHE: dict[str, bytes] = {}


def sample(name: str) -> bytes:
    if name not in _CACHE:
        _CACHE[name] = SAMPLES[name]() if name in SAMPLES else samples.pdf_with_metadata()
    return _CACHE[name]


def clean(
    data: bytes,
    sizes: list[int] | None = None,
    name: str = "upload.bin",
    limits: CleaningLimits | None = None,
) -> tuple[bytes, CleaningReport]:
    """Run a cleaner over data cut into pieces of the given sizes (cycled), or one piece."""
    cleaner = make_cleaner(name, "application/octet-stream", limits=limits)
    out = bytearray()
    if not sizes:
        out += cleaner.feed(data)
    else:
        pos, i = 0, 0
        while pos < len(data):
            size = sizes[i % len(sizes)]
            out += cleaner.feed(data[pos : pos + size])
            pos += size
            i += 1
    out += cleaner.finish()
    return bytes(out), cleaner.report


def assert_no_markers(data: bytes) -> None:
    for marker in samples.MARKERS:
        assert marker not in data, marker


def assert_same_picture(original: bytes, cleaned: bytes) -> None:
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(cleaned)) as after:
        assert after.format == before.format
        assert after.size == before.size
        assert after.convert("RGB").tobytes() == before.convert("RGB").tobytes()
        assert not after.getexif()
        assert "xmp" not in after.info and "XML:com.adobe.xmp" not in after.info


# --- images --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SAMPLES))
def test_image_metadata_is_removed_and_picture_kept(name: str) -> None:
    original = sample(name)
    assert b"MARKER" in original
    cleaned, report = clean(original)
    assert_no_markers(cleaned)
    assert_same_picture(original, cleaned)
    assert report.status is CleaningStatus.CLEANED and report.cleanable
    assert Removed.EXIF in report.removed
    again, second = clean(cleaned)
    assert again == cleaned and second.status is CleaningStatus.NOTHING_FOUND


def test_jpeg_report_and_what_is_kept() -> None:
    cleaned, report = clean(sample("jpeg"))
    assert report.kind is FileKind.JPEG
    assert set(report.removed) >= {
        Removed.EXIF,
        Removed.XMP,
        Removed.COMMENT,
        Removed.IPTC,
        Removed.THUMBNAIL,
        Removed.APPLICATION_DATA,
        Removed.TRAILING_DATA,
    }
    assert cleaned.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.info.get("icc_profile") == b"ICC-KEEP" * 20  # colours kept
        assert "comment" not in image.info


def test_jfif_thumbnail_is_dropped_but_jfif_kept() -> None:
    original = sample("jpeg")
    thumb = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x02\x01" + b"\xaa\xbb\xcc" * 2
    segment = b"\xff\xe0" + (len(thumb) + 2).to_bytes(2, "big") + thumb
    plain, _ = clean(original)  # starts with the JFIF APP0 Pillow wrote
    patched = plain[:2] + segment + plain[2:]
    cleaned, report = clean(patched)
    assert Removed.THUMBNAIL in report.removed
    assert b"\xaa\xbb\xcc" not in cleaned
    assert cleaned.count(b"JFIF\x00") == 2  # both kept, without a thumbnail
    assert_same_picture(original, cleaned)


def test_png_report_and_colour_chunks_kept() -> None:
    cleaned, report = clean(sample("png"))
    assert set(report.removed) >= {
        Removed.TEXT,
        Removed.EXIF,
        Removed.TIMESTAMP,
        Removed.APPLICATION_DATA,
        Removed.TRAILING_DATA,
    }
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME", b"prVt"):
        assert chunk not in cleaned
    assert b"pHYs" in cleaned and cleaned.endswith(b"IEND\xaeB`\x82")
    with Image.open(io.BytesIO(cleaned)) as image:
        assert round(image.info["dpi"][0]) == 300 and not image.text  # type: ignore[attr-defined]


def test_webp_flags_and_riff_size_are_rewritten() -> None:
    cleaned, report = clean(sample("webp"))
    assert set(report.removed) >= {Removed.EXIF, Removed.XMP}
    assert int.from_bytes(cleaned[4:8], "little") == len(cleaned) - 8
    if cleaned[12:16] == b"VP8X":
        assert cleaned[20] & 0x0C == 0


def test_png_named_jpg_is_cleaned_as_png() -> None:
    cleaned, report = clean(sample("png"), name="holiday.jpg")
    cleaner = make_cleaner("holiday.jpg", "image/jpeg")
    cleaner.feed(sample("png"))
    cleaner.finish()
    assert report.kind is FileKind.PNG and cleaner.report.kind is FileKind.PNG
    assert_no_markers(cleaned)


def test_first_bytes_choose_early() -> None:
    data = sample("jpeg")
    cleaner = make_cleaner("x", None, first_bytes=data[:SNIFF_BYTES])
    assert cleaner.report.kind is FileKind.JPEG
    out = cleaner.feed(data) + cleaner.finish()
    assert out == clean(data)[0]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"x",
        b"hello, this is a plain text file\n" * 100,
        b"PK\x03\x04" + bytes(range(256)),
        b"\xff\xd8",
        b"\x89PNG",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
    ],
)
def test_unknown_types_pass_through_byte_identical(data: bytes) -> None:
    for sizes in (None, [1], [7]):
        out, report = clean(data, sizes)
        assert out == data
        assert report.status is CleaningStatus.NOT_SUPPORTED and not report.cleanable
        assert report.kind is FileKind.OTHER


def test_sniffing_ignores_names_and_types() -> None:
    assert sniff(sample("png")[:SNIFF_BYTES]) is FileKind.PNG
    assert sniff(sample("webp")[:SNIFF_BYTES]) is FileKind.WEBP
    assert sniff(b"%PDF-1.7\n") is FileKind.PDF
    assert sniff(b"GIF89a") is FileKind.OTHER


# --- pieces of every size give the same output -------------------------------------------


@pytest.mark.parametrize("name", [*SAMPLES, "pdf"])
@pytest.mark.parametrize("sizes", [[1], [7], [2, 3, 5], [65536]])
def test_feeding_in_pieces_matches_one_shot(name: str, sizes: list[int]) -> None:
    data = sample(name)
    whole, whole_report = clean(data)
    pieces, pieces_report = clean(data, sizes)
    assert pieces == whole
    assert pieces_report == whole_report


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(list(SAMPLES)),
    cuts=st.lists(st.integers(min_value=1, max_value=4000), min_size=1, max_size=40),
)
def test_random_splits_match_one_shot(name: str, cuts: list[int]) -> None:
    data = sample(name)
    assert clean(data, cuts) == clean(data)


# --- malformed input is refused with MediaCleaningError, never another exception ---------


def _refused(data: bytes, sizes: list[int] | None = None) -> MediaCleaningError:
    with pytest.raises(MediaCleaningError) as caught:
        clean(data, sizes)
    assert str(caught.value.message)  # a sentence for the reporter
    return caught.value


@pytest.mark.parametrize("name", list(SAMPLES))
def test_truncated_images_are_refused(name: str) -> None:
    data = sample(name)
    for cut in (SNIFF_BYTES, 20, len(data) // 3, len(data) // 2, len(data) - 40):
        _refused(data[:cut])


def test_jpeg_cut_right_after_the_eoi_marker_is_fine_but_before_is_not() -> None:
    data, _ = clean(sample("jpeg"))
    assert clean(data[:-1] + b"\xd9")[0] == data
    _refused(data[:-1])
    _refused(data[:-2])


@pytest.mark.parametrize("mutation", ["bad_length", "bad_marker", "zero_marker", "no_frame"])
def test_broken_jpeg_structure_is_refused(mutation: str) -> None:
    data, _ = clean(sample("jpeg"))
    if mutation == "bad_length":
        broken = data[:4] + b"\x00\x01" + data[6:]
    elif mutation == "bad_marker":
        broken = data[:20] + b"\x12\x34" + data[22:]  # where the second segment starts
    elif mutation == "zero_marker":
        broken = data[:20] + b"\xff\x00" + data[22:]
    else:
        broken = b"\xff\xd8\xff\xfe\x00\x04ab\xff\xd9"
    _refused(broken)


def test_png_bad_crc_and_unknown_critical_chunk_are_refused() -> None:
    data, _ = clean(sample("png"))
    bad_crc = bytearray(data)
    bad_crc[29] ^= 0xFF  # inside IHDR's CRC
    _refused(bytes(bad_crc))
    critical = data[:33] + samples.png_chunk(b"ZZZZ", b"x") + data[33:]
    _refused(critical)
    _refused(data[:8] + samples.png_chunk(b"tEXt", b"a\x00b") + data[8:])  # IHDR not first
    _refused(data[:33] + b"\x00\x00\x00\x01ab!d" + data[33:])


def test_webp_inconsistent_sizes_are_refused() -> None:
    data = sample("webp")
    _refused(data[:4] + (len(data) * 2).to_bytes(4, "little") + data[8:])
    _refused(data[:16] + (2**31).to_bytes(4, "little") + data[20:])
    _refused(b"RIFF\x04\x00\x00\x00WEBP")  # no picture at all


def test_webp_over_the_memory_limit_is_refused() -> None:
    data = sample("webp")
    with pytest.raises(MediaCleaningError) as caught:
        clean(data, [100], limits=CleaningLimits(webp_max_bytes=len(data) - 1))
    assert caught.value.reason == "too_large"
    assert clean(data, limits=CleaningLimits(webp_max_bytes=len(data)))[1].cleanable


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(list(SAMPLES)), seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 8))
def test_corrupted_images_never_crash_with_another_error(name: str, seed: int, flips: int) -> None:
    rng = random.Random(seed)
    data = bytearray(sample(name))
    for _ in range(flips):
        data[rng.randrange(SNIFF_BYTES, len(data))] = rng.randrange(256)
    cut = rng.choice([len(data), rng.randrange(SNIFF_BYTES, len(data) + 1)])
    try:
        _cleaned, report = clean(bytes(data[:cut]), [rng.randrange(1, 5000)])
    except MediaCleaningError:
        return
    assert report.kind is not FileKind.OTHER


# --- PDF ---------------------------------------------------------------------------------


def pdf_plain_text(data: bytes) -> bytes:
    """Every string and decoded stream in a PDF, so compressed markers are found too."""
    parts = [data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        parts.append(repr(pdf.trailer).encode())
        for obj in pdf.objects:
            parts.append(repr(obj).encode("utf-8", "replace"))
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
    return b"\n".join(parts)


def test_pdf_metadata_is_removed() -> None:
    original = sample("pdf")
    assert b"MARKER-PDF-AUTHOR" in original and b"MARKER-ANNOT-AUTHOR" in original
    assert b"MARKER-CAMERA-MAKER" in pdf_plain_text(original)  # inside the embedded JPEG
    assert b"MARKER-XMP-CREATOR" in pdf_plain_text(original)
    cleaned, report = clean(original)
    assert_no_markers(pdf_plain_text(cleaned))
    assert report.kind is FileKind.PDF and report.status is CleaningStatus.CLEANED
    assert set(report.removed) >= {
        Removed.DOCUMENT_INFO,
        Removed.XMP,
        Removed.APPLICATION_DATA,
        Removed.ANNOTATION_AUTHORS,
        Removed.EMBEDDED_IMAGE_METADATA,
    }
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert len(pdf.pages) == 1
        assert pikepdf.Name.Metadata not in pdf.Root
        assert not pdf.docinfo.keys() or pdf.docinfo.keys() == set()
        annotation = pdf.pages[0].obj.Annots[0]
        assert str(annotation.Contents) == "visible note"  # the content stays
        image = pdf.pages[0].obj.Resources.XObject.Im0
        assert isinstance(image, pikepdf.Stream)
        assert pikepdf.PdfImage(image).as_pil_image().size == (48, 32)
    _again, second = clean(cleaned)
    assert second.status is CleaningStatus.NOTHING_FOUND


def test_pdf_named_otherwise_is_still_cleaned() -> None:
    cleaned, report = clean(sample("pdf"), name="notes.txt")
    assert report.kind is FileKind.PDF
    assert b"MARKER-PDF-AUTHOR" not in cleaned


def test_pdf_over_the_limit_is_stored_as_sent_and_says_so() -> None:
    data = sample("pdf")
    limits = CleaningLimits(pdf_max_bytes=len(data) // 2)
    for sizes in (None, [1000], [7]):
        out, report = clean(data, sizes, limits=limits)
        assert out == data
        assert report.status is CleaningStatus.NOT_CHECKED
        assert report.not_checked_reason is NotCheckedReason.TOO_LARGE
        assert report.removed == []


def test_password_protected_pdf_is_stored_as_sent_and_says_so() -> None:
    with pikepdf.open(io.BytesIO(sample("pdf"))) as pdf:
        buffer = io.BytesIO()
        pdf.save(buffer, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    data = buffer.getvalue()
    out, report = clean(data)
    assert out == data
    assert report.status is CleaningStatus.NOT_CHECKED
    assert report.not_checked_reason is NotCheckedReason.ENCRYPTED


def test_owner_password_only_pdf_is_cleaned() -> None:
    with pikepdf.open(io.BytesIO(sample("pdf"))) as pdf:
        buffer = io.BytesIO()
        pdf.save(buffer, encryption=pikepdf.Encryption(user="", owner="owner-secret"))
    cleaned, report = clean(buffer.getvalue())
    assert report.status is CleaningStatus.CLEANED
    assert_no_markers(pdf_plain_text(cleaned))
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert not pdf.is_encrypted
        assert pdf.pages[0].obj.Contents.read_bytes() == b"q 48 0 0 32 0 0 cm /Im0 Do Q"


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7\n", b"%PDF-1.4\n" + b"\x00garbage" * 50, b"%PDF-" + bytes(range(256)) * 4]
)
def test_unreadable_pdf_is_refused(data: bytes) -> None:
    error = _refused(data)
    assert error.kind is FileKind.PDF


# --- reports -----------------------------------------------------------------------------


def test_reports_describe_themselves_and_serialise() -> None:
    _, report = clean(sample("jpeg"))
    lines = [str(line) for line in report.describe()]
    assert lines[0] == "Hidden data was removed from this file."
    assert any("GPS" in line for line in lines)
    assert report.as_dict()["status"] == "cleaned"
    _, other = clean(b"plain text")
    assert [str(x) for x in other.describe()] == [
        "This file was stored as sent; check it for hidden data."
    ]
    assert other.as_dict() == {
        "kind": "other",
        "cleanable": False,
        "status": "not_supported",
        "removed": [],
        "not_checked_reason": None,
    }


def test_every_cleaner_satisfies_the_protocol() -> None:
    for data in (sample("jpeg"), sample("png"), sample("webp"), sample("pdf"), b"x" * 20):
        assert isinstance(make_cleaner("f", None, first_bytes=data[:SNIFF_BYTES]), Cleaner)
        assert isinstance(make_cleaner("f", None), Cleaner)


# --- structure caps: absurd files refused, real ones (many small IDATs) kept -------------


def _png_with_idat_pieces(data: bytes, piece: int) -> bytes:
    """The PNG ``data`` (IHDR, IDATs, IEND only) with its picture data re-split into IDAT
    chunks of ``piece`` bytes."""
    pos, idat = 8, bytearray()
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    pieces = b"".join(
        samples.png_chunk(b"IDAT", bytes(idat[i : i + piece])) for i in range(0, len(idat), piece)
    )
    return data[:33] + pieces + samples.png_chunk(b"IEND", b"")


def test_png_of_many_small_idat_chunks_is_cleaned_and_unchanged() -> None:
    """Chunks of 256 bytes (smaller than any real encoder writes) are always allowed."""
    data = _png_with_idat_pieces(hostile.png_normal(2 * 1024 * 1024), 256)
    assert data.count(b"IDAT") > 4096  # past the free allowance: the per-byte one decides
    cleaned, report = clean(data, [65536])
    assert report.status is CleaningStatus.NOTHING_FOUND and cleaned == data


@pytest.mark.parametrize(
    "build",
    [
        lambda n: (
            clean(sample("png"))[0][:33]
            + samples.png_chunk(b"prVt", b"") * n
            + clean(sample("png"))[0][33:]
        ),
        lambda n: b"\xff\xd8" + b"\xff\xfe\x00\x02" * n + clean(sample("jpeg"))[0][2:],
    ],
)
def test_files_of_absurdly_many_empty_structures_are_refused(build: Callable[[int], bytes]) -> None:
    fine = build(1000)
    assert clean(fine)[1].cleanable
    error = _refused(build(20_000), [65536])
    assert error.reason == "too_many_structures"
    assert "unusually complex" in str(error.message)
