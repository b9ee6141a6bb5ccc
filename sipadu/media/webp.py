"""WebP: drop EXIF and XMP chunks, clear their VP8X flags and rewrite the RIFF size.

The RIFF header carries the size of everything after it, so nothing can be passed on before
the whole file is known. The file is therefore held in memory (never on disk) up to a limit;
a larger WebP raises :class:`MediaCleaningError` (refused with a clear reason).

Kept: VP8, VP8L, VP8X (with the EXIF and XMP flags cleared), ALPH, ANIM, ANMF, ICCP.
Removed: EXIF, XMP and any unknown chunk, and anything after the RIFF data.

Memory: the file and its cleaned copy. Time: one Python step per chunk, and the number of
chunks is capped like the JPEG and PNG cleaners' structures (:func:`structure_allowance`).
"""

from __future__ import annotations

from typing import cast

from sipadu.media.base import (
    MIB,
    CleaningReport,
    FileKind,
    MediaCleaningError,
    Removed,
    structure_allowance,
)

DEFAULT_WEBP_LIMIT = 32 * MIB
_KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_IMAGE = {b"VP8 ", b"VP8L", b"ANMF"}
_VP8X_EXIF = 0x08
_VP8X_XMP = 0x04


def _error(reason: str) -> MediaCleaningError:
    return MediaCleaningError(FileKind.WEBP, reason)


class WebpCleaner:
    """See the module docstring."""

    def __init__(self, limit: int = DEFAULT_WEBP_LIMIT) -> None:
        self._report = CleaningReport(FileKind.WEBP)
        self._buf = bytearray()
        self._limit = limit

    @property
    def report(self) -> CleaningReport:
        return self._report

    def feed(self, data: bytes) -> bytes:
        if len(self._buf) + len(data) > self._limit:
            self._buf = bytearray()
            raise MediaCleaningError(FileKind.WEBP, "too_large")
        self._buf += data
        return b""

    def finish(self) -> bytes:
        data, self._buf = self._buf, bytearray()
        # The file and its cleaned copy, no third copy: the copy is handed on as the
        # bytearray it was built in (callers only write it on).
        return cast("bytes", self._clean(data))

    def _clean(self, data: bytearray) -> bytearray:
        if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
            raise _error("bad_header")
        riff_size = int.from_bytes(data[4:8], "little")
        end = 8 + riff_size
        if riff_size < 4 or end > len(data):
            raise _error("truncated")
        if end < len(data):
            self._report.note_removed(Removed.TRAILING_DATA)
        out = bytearray(b"RIFF\x00\x00\x00\x00WEBP")
        pos = 12
        seen_image = False
        allowed = structure_allowance(len(data))
        while pos < end:
            allowed -= 1
            if allowed < 0:
                raise _error("too_many_structures")
            pos, seen_image = self._take_chunk(data, pos, end, out, seen_image)
        if not seen_image:
            raise _error("no_image_data")
        out[4:8] = (len(out) - 8).to_bytes(4, "little")
        return out

    def _take_chunk(
        self, data: bytearray, pos: int, end: int, out: bytearray, seen_image: bool
    ) -> tuple[int, bool]:
        """Copy the chunk at ``pos`` to ``out`` if kept; the next position."""
        if pos + 8 > end:
            raise _error("truncated_chunk_header")
        fourcc = bytes(data[pos : pos + 4])
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        padded = pos + 8 + size + (size & 1)
        if padded > end:
            raise _error("truncated_chunk")
        if fourcc in _KEPT:
            start = len(out)
            out += data[pos:padded]
            if fourcc == b"VP8X":
                if size < 10:
                    raise _error("bad_vp8x")
                out[start + 8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
            return padded, seen_image or fourcc in _IMAGE
        if fourcc == b"EXIF":
            self._report.note_removed(Removed.EXIF)
        elif fourcc == b"XMP ":
            self._report.note_removed(Removed.XMP)
        else:
            self._report.note_removed(Removed.APPLICATION_DATA)
        return padded, seen_image
