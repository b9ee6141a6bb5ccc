"""Hostile files for the cleaners, generated in memory (no binary blobs in the repository).

Each shape once made a cleaner cost a worker far more than a normal file of its size, or
would if it were not bounded. What every one of them must meet (``test_hostile.py``):

- **memory**: the worker grows by at most :data:`WORKER_GROWTH_LIMIT` above what it holds
  of the file (the PDF and WebP cleaners hold the file and its cleaned copy), and the PDF
  sandbox process stays under its address-space limit (256 MiB above its idle interpreter,
  so its peak RSS under :data:`SANDBOX_RSS_LIMIT`);
- **time**: CPU seconds (worker and sandbox together) at most :data:`TIME_FACTOR` times
  those of a normal file of the same kind and size cleaned in the same run, plus
  :data:`TIME_FACTOR` times a small normal file of that kind (the fixed cost, e.g. starting
  the sandbox);
- **outcome**: refused with :class:`~sipadu.media.MediaCleaningError` (a sentence for the
  reporter), or cleaned; never another exception.

``SHAPES`` maps a name to a builder; ``NORMAL`` builds a normal file of a kind and size.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable

from PIL import Image

from tests.media import samples

MIB = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WORKER_GROWTH_LIMIT = 48 * MIB
SANDBOX_RSS_LIMIT = 320 * MIB
TIME_FACTOR = 20


# --- PDF -----------------------------------------------------------------------------------


def _pdf(objects: list[bytes], xref_stream: bool = False, tail: bytes = b"") -> bytes:
    """A PDF of numbered objects (1: catalog, 2: pages, 3: page) with a classic xref table."""
    body = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    if xref_stream:
        return bytes(body) + tail
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(body) + tail


_PAGE_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Extra 5 0 R >>",
]


def pdf_object_stream(members: list[bytes]) -> bytes:
    """Objects 5… packed in a Flate object stream (object 4), found through an xref stream."""
    table, data = [], bytearray()
    for number, member in enumerate(members, start=5):
        table.append(b"%d %d" % (number, len(data)))
        data += member + b"\n"
    head = b" ".join(table) + b"\n"
    packed = zlib.compress(head + bytes(data), 9)
    stream = (
        b"<< /Type /ObjStm /N %d /First %d /Length %d /Filter /FlateDecode >>\nstream\n"
        % (len(members), len(head), len(packed))
        + packed
        + b"\nendstream"
    )
    objects = [*_PAGE_OBJECTS, stream]
    body = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref_number = 5 + len(members)
    rows = [struct.pack(">BII", 0, 0, 65535)]
    rows += [struct.pack(">BII", 1, offset, 0) for offset in offsets]
    rows += [struct.pack(">BII", 2, 4, index) for index in range(len(members))]
    rows.append(struct.pack(">BII", 1, len(body), 0))
    # Level 6: level 9 spends seconds on these repetitive rows for 17 bytes less.
    table_bytes = zlib.compress(b"".join(rows), 6)
    xref = len(body)
    body += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 4] /Root 1 0 R /Length %d "
        b"/Filter /FlateDecode >>\nstream\n"
        % (xref_number, xref_number + 1, len(table_bytes))
        + table_bytes
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref
    )
    return bytes(body)


def pdf_huge_array(elements: int = 4_000_000) -> bytes:
    """A ~10 KB PDF whose object stream inflates to one array of millions of numbers."""
    return pdf_object_stream([b"[" + b"0 " * elements + b"]"])


def pdf_many_objects(count: int = 300_000) -> bytes:
    """Hundreds of thousands of tiny objects in one object stream."""
    return pdf_object_stream([b"null"] * count)


def pdf_deep_nesting(depth: int = 200_000) -> bytes:
    """An array nested far deeper than any real document."""
    return _pdf(
        [
            *_PAGE_OBJECTS[:2],
            _PAGE_OBJECTS[2].replace(b"5 0 R", b"4 0 R"),
            b"[" * depth + b"]" * depth,
        ]
    )


def pdf_xref_bomb() -> bytes:
    """A classic xref table that claims a hundred million objects."""
    data = _pdf(list(_PAGE_OBJECTS))
    return data.replace(b"xref\n0 4\n", b"xref\n0 100000000\n").replace(
        b"/Size 4", b"/Size 100000000"
    )


def pdf_huge_length() -> bytes:
    """A stream that claims to be 2 GB long."""
    stream = b"<< /Length 2000000000 >>\nstream\nabc\nendstream"
    return _pdf([*_PAGE_OBJECTS, stream])


def pdf_content_bomb(inflated: int = 64 * MIB) -> bytes:
    """A page whose content stream inflates to 64 MiB (streams are copied, never decoded)."""
    packed = zlib.compress(b" " * inflated, 9)
    stream = (
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    )
    page = _PAGE_OBJECTS[2].replace(b"/Extra 5 0 R", b"/Contents 4 0 R")
    return _pdf([*_PAGE_OBJECTS[:2], page, stream])


def pdf_normal(size: int) -> bytes:
    """A real document of about ``size`` bytes: pages of text and one picture each."""
    import pikepdf

    pdf = pikepdf.new()
    page_bytes = 60_000
    pages = max(1, size // page_bytes)
    noise = random.Random(size).randbytes(page_bytes - 2000)
    for number in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        image = pikepdf.Stream(pdf, noise)
        image[pikepdf.Name.Type] = pikepdf.Name.XObject
        image[pikepdf.Name.Subtype] = pikepdf.Name.Image
        image[pikepdf.Name.Width] = len(noise) // 3 // 100
        image[pikepdf.Name.Height] = 100
        image[pikepdf.Name.ColorSpace] = pikepdf.Name.DeviceRGB
        image[pikepdf.Name.BitsPerComponent] = 8
        page.obj[pikepdf.Name.Resources] = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        text = (
            b"BT /F1 12 Tf 72 720 Td (Laporan halaman %d) Tj ET q 100 0 0 100 0 0 cm "
            b"/Im0 Do Q" % number
        )
        page.obj[pikepdf.Name.Contents] = pdf.make_stream(text * 20)
    pdf.docinfo[pikepdf.Name.Author] = "MARKER-PDF-AUTHOR"
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


# --- JPEG ----------------------------------------------------------------------------------


def _jpeg_header() -> bytes:
    """SOI … SOS header of a real baseline JPEG (without the scan data and EOI)."""
    out = io.BytesIO()
    samples.picture((64, 64)).save(out, "JPEG", quality=90)
    data = out.getvalue()
    sos = data.index(b"\xff\xda")
    return data[: sos + 2 + int.from_bytes(data[sos + 2 : sos + 4], "big")]


def jpeg_ff_runs(size: int = 4 * MIB) -> bytes:
    """Scan data made of long runs of 0xFF (fill bytes), each ending in a stuffed zero."""
    run = b"\xff" * 4096 + b"\x00"
    return _jpeg_header() + run * (size // len(run)) + b"\xff\xd9"


def jpeg_fill_before_markers(size: int = 4 * MIB) -> bytes:
    """Megabytes of fill bytes (0xFF) between header segments, where they are allowed."""
    header = _jpeg_header()
    fill = b"\xff" * (size - len(header))
    return header[:2] + fill + header[2:] + b"\x12\x34\xff\xd9"


def jpeg_many_segments(size: int = 4 * MIB) -> bytes:
    """A million empty comment segments before the picture."""
    header = _jpeg_header()
    return header[:2] + b"\xff\xfe\x00\x02" * (size // 4) + header[2:] + b"\x12\xff\xd9"


def jpeg_restarts_outside_scan(size: int = 4 * MIB) -> bytes:
    """Two-byte restart markers between segments, millions of them."""
    header = _jpeg_header()
    return header[:2] + b"\xff\xd0" * (size // 2) + header[2:] + b"\x12\xff\xd9"


def jpeg_normal(size: int) -> bytes:
    """A real JPEG of about ``size`` bytes (a noisy photo-like picture)."""
    side = 256
    while True:
        out = io.BytesIO()
        noise = Image.effect_noise((side, side), 80).convert("RGB")
        noise.save(out, "JPEG", quality=95, exif=samples.exif_with_gps())
        if out.tell() >= size:
            return out.getvalue()
        side = int(side * max(1.1, (size / out.tell()) ** 0.5))


# --- PNG -----------------------------------------------------------------------------------


def _png_head(width: int = 1, height: int = 1) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG_SIGNATURE + samples.png_chunk(b"IHDR", ihdr)


def png_empty_chunks(size: int = 4 * MIB) -> bytes:
    """Hundreds of thousands of empty ancillary chunks (12 bytes each)."""
    empty = samples.png_chunk(b"prVt", b"")
    idat = samples.png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    return _png_head() + empty * (size // len(empty)) + idat + samples.png_chunk(b"IEND", b"")


def png_empty_idats(size: int = 4 * MIB) -> bytes:
    """The same with empty kept chunks (IDAT), which go to the output."""
    empty = samples.png_chunk(b"IDAT", b"")
    return _png_head() + empty * (size // len(empty)) + samples.png_chunk(b"IEND", b"")


def png_inflate_bomb() -> bytes:
    """A 100000 x 100000 picture declared with a tiny IDAT (a decoder would need 10 GB)."""
    packed = zlib.compress(b"\x00" * (16 * MIB), 9)
    return (
        _png_head(100_000, 100_000)
        + samples.png_chunk(b"IDAT", packed)
        + samples.png_chunk(b"IEND", b"")
    )


def png_huge_chunk_length() -> bytes:
    """A chunk that claims 2 GB and ends after a few bytes."""
    return _png_head() + struct.pack(">I", 2**31 - 1) + b"IDAT" + b"abc"


def png_normal(size: int) -> bytes:
    """A real PNG of about ``size`` bytes (noise does not compress)."""
    side = max(16, int((size / 3) ** 0.5))
    out = io.BytesIO()
    Image.effect_noise((side, side), 120).convert("RGB").save(out, "PNG")
    return out.getvalue()


# --- WebP ----------------------------------------------------------------------------------


def webp_bogus_sizes() -> bytes:
    """A chunk size far beyond the file."""
    data = samples.webp_with_metadata()
    return data[:16] + (2**32 - 2).to_bytes(4, "little") + data[20:]


def webp_many_chunks(size: int = 4 * MIB) -> bytes:
    """Hundreds of thousands of empty kept chunks (ALPH) after a real picture."""
    data = samples.webp_with_metadata()
    body = data[12:] + b"ALPH\x00\x00\x00\x00" * (size // 8)
    return b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body


def webp_normal(size: int) -> bytes:
    side = max(16, int((size / 2.2) ** 0.5))
    out = io.BytesIO()
    Image.effect_noise((side, side), 120).convert("RGB").save(out, "WEBP", lossless=True)
    return out.getvalue()


def truncated(build: Callable[[], bytes], keep: float = 0.6) -> Callable[[], bytes]:
    """The first part of a file."""
    return lambda: (lambda data: data[: int(len(data) * keep)])(build())


SHAPES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "pdf_huge_array": ("pdf", pdf_huge_array),
    "pdf_many_objects": ("pdf", pdf_many_objects),
    "pdf_deep_nesting": ("pdf", pdf_deep_nesting),
    "pdf_xref_bomb": ("pdf", pdf_xref_bomb),
    "pdf_huge_length": ("pdf", pdf_huge_length),
    "pdf_content_bomb": ("pdf", pdf_content_bomb),
    "pdf_truncated": ("pdf", truncated(lambda: pdf_normal(MIB))),
    "jpeg_ff_runs": ("jpeg", jpeg_ff_runs),
    "jpeg_fill_before_markers": ("jpeg", jpeg_fill_before_markers),
    "jpeg_many_segments": ("jpeg", jpeg_many_segments),
    "jpeg_restarts_outside_scan": ("jpeg", jpeg_restarts_outside_scan),
    "jpeg_truncated": ("jpeg", truncated(lambda: jpeg_normal(MIB))),
    "png_empty_chunks": ("png", png_empty_chunks),
    "png_empty_idats": ("png", png_empty_idats),
    "png_inflate_bomb": ("png", png_inflate_bomb),
    "png_huge_chunk_length": ("png", png_huge_chunk_length),
    "png_truncated": ("png", truncated(lambda: png_normal(MIB))),
    "webp_bogus_sizes": ("webp", webp_bogus_sizes),
    "webp_many_chunks": ("webp", webp_many_chunks),
    "webp_truncated": ("webp", truncated(lambda: webp_normal(MIB))),
}

NORMAL: dict[str, Callable[[int], bytes]] = {
    "pdf": pdf_normal,
    "jpeg": jpeg_normal,
    "png": png_normal,
    "webp": webp_normal,
}
