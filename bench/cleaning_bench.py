"""Metadata cleaning: MiB/s on normal pictures, and what hostile ones cost relative to them.

A hostile file may cost at most a small multiple of a normal file's time per MiB (the
tests hold it to 20x); these figures show the real multiples, and the fixed cost of the PDF
sandbox (a fresh process per document).
"""

from __future__ import annotations

import io
import resource
import struct
import time
import zlib
from collections.abc import Callable

from PIL import Image

from bench.report import Figure
from sipadu.media import MediaCleaningError, make_cleaner

MIB = 1024 * 1024
PIECE = 256 * 1024
HOSTILE_RATIO_TARGET = 20.0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def clean_seconds(data: bytes, rounds: int = 3) -> float:
    """Best CPU seconds (this process and the sandbox) to clean ``data`` in upload pieces."""
    best = float("inf")
    for _ in range(rounds):
        start = _cpu()
        cleaner = make_cleaner("bench", None)
        try:
            for offset in range(0, len(data), PIECE):
                cleaner.feed(data[offset : offset + PIECE])
            cleaner.finish()
        except MediaCleaningError:
            pass
        best = min(best, _cpu() - start)
    return max(best, 1e-6)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def normal_jpeg(size: int) -> bytes:
    side = int((size / 0.9) ** 0.5)
    out = io.BytesIO()
    Image.effect_noise((side, side), 80).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def normal_png(size: int) -> bytes:
    side = int(size**0.5)
    out = io.BytesIO()
    Image.effect_noise((side, side), 120).save(out, "PNG")
    return out.getvalue()


def hostile_jpeg(size: int) -> bytes:
    """Scan data of long 0xFF runs (fill bytes), the header of a real JPEG before it."""
    head = normal_jpeg(4096)
    sos = head.index(b"\xff\xda")
    head = head[: sos + 2 + int.from_bytes(head[sos + 2 : sos + 4], "big")]
    run = b"\xff" * 4096 + b"\x00"
    return head + run * (size // len(run)) + b"\xff\xd9"


def hostile_png(size: int) -> bytes:
    """Empty ancillary chunks, 12 bytes each (refused once past the structure allowance)."""
    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    empty = _png_chunk(b"prVt", b"")
    return b"\x89PNG\r\n\x1a\n" + ihdr + empty * (size // len(empty)) + _png_chunk(b"IEND", b"")


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _video(mdat_payload: bytes, chunk_offsets: list[int], sample: int) -> bytes:
    """A MOV of one sound track and one metadata track (one ``sample``-byte sample per
    chunk, at ``chunk_offsets`` into ``mdat``), ``moov`` last as phones write it."""
    ftyp = _box(b"ftyp", b"qt  ", bytes(4), b"qt  ")
    start = len(ftyp) + 8

    def trak(handler: bytes, offsets: list[int], size: int) -> bytes:
        count = len(offsets)
        stsc = _box(b"stsc", bytes(4), struct.pack(">IIII", 1, 1, 1, 1))
        stsz = _box(b"stsz", bytes(4), struct.pack(">II", size, count))
        stco = _box(b"stco", bytes(4), struct.pack(f">I{count}I", count, *offsets))
        hdlr = _box(b"hdlr", bytes(8), handler, bytes(13))
        stbl = _box(b"stbl", stsc, stsz, stco)
        mdhd = _box(b"mdhd", bytes(24))
        return _box(b"trak", _box(b"mdia", mdhd, hdlr, _box(b"minf", stbl)))

    sound = trak(b"soun", [start], len(mdat_payload))
    meta = trak(b"meta", [start + offset for offset in chunk_offsets], sample)
    moov = _box(b"moov", _box(b"mvhd", bytes(100)), sound, meta)
    return ftyp + _box(b"mdat", mdat_payload) + moov


def normal_mov(size: int) -> bytes:
    """A phone video: media data, a metadata sample per 64 KiB (a GPS fix a second)."""
    return _video(bytes(size), list(range(0, size - 64, 64 * 1024)), 64)


def hostile_mov(size: int) -> bytes:
    """A metadata track of as many 16-byte chunks as the structure allowance admits (each
    costs a Python step to locate and one to zero), spread over the media data."""
    count = (4096 + size // 256) // 2 - 64  # each chunk is counted twice: its entry and itself
    return _video(bytes(size), list(range(0, count * 16, 16)), 16)


def small_pdf() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo[pikepdf.Name.Author] = "someone"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _pair(
    kind: str, normal: Callable[[int], bytes], hostile: Callable[[int], bytes], size: int
) -> list[Figure]:
    normal_data, hostile_data = normal(size), hostile(size)
    normal_per_mib = clean_seconds(normal_data) / (len(normal_data) / MIB)
    hostile_per_mib = clean_seconds(hostile_data) / (len(hostile_data) / MIB)
    ratio = hostile_per_mib / normal_per_mib
    return [
        Figure(
            f"clean_{kind}_normal_mib_s",
            f"Cleaning a normal {kind.upper()}",
            1 / normal_per_mib,
            "MiB/s",
            "-",
            None,
            f"{len(normal_data) / MIB:.1f} MiB, fed in 256 KiB pieces; best of 3, CPU time.",
        ),
        Figure(
            f"clean_{kind}_hostile_ratio",
            f"Hostile {kind.upper()} / normal, per MiB",
            ratio,
            "x",
            f"<= {HOSTILE_RATIO_TARGET:g}",
            ratio <= HOSTILE_RATIO_TARGET,
            f"{hostile.__doc__ or ''} {len(hostile_data) / MIB:.1f} MiB.",
        ),
    ]


def cleaning_figures(size: int = 8 * MIB) -> list[Figure]:
    """Normal and hostile cleaning rates, and the PDF sandbox's fixed cost."""
    started = time.perf_counter()
    figures = [
        *_pair("jpeg", normal_jpeg, hostile_jpeg, size),
        *_pair("png", normal_png, hostile_png, size),
        *_pair("mov", normal_mov, hostile_mov, size),
    ]
    pdf_seconds = clean_seconds(small_pdf())
    figures.append(
        Figure(
            "clean_pdf_sandbox_seconds",
            "Cleaning a one-page PDF (sandbox start included)",
            pdf_seconds,
            "s",
            "-",
            None,
            f"CPU of the worker and the sandbox process; best of 3. Group took "
            f"{time.perf_counter() - started:.0f} s.",
        )
    )
    return figures
