"""PNG: a streaming chunk parser that keeps an allow-list of chunks and drops the rest.

Kept: the critical chunks (IHDR, PLTE, IDAT, IEND) and the chunks that define how the
picture looks: tRNS, gAMA, cHRM, sRGB, iCCP, cICP, mDCV, cLLI, sBIT, bKGD, hIST, pHYs, sPLT,
and the APNG animation chunks (acTL, fcTL, fdAT).

Removed: tEXt, zTXt, iTXt (author, software, XMP), eXIf (EXIF), tIME (modification time),
any other ancillary chunk (private or unknown, e.g. C2PA manifests, editor data), and
anything after IEND. Every chunk's CRC is checked, kept or not; an unknown *critical* chunk,
a bad CRC or a cut-short file raises :class:`MediaCleaningError`.

Chunk data is streamed, never buffered whole, so memory stays flat even for huge IDATs.
Picture data is never decompressed (a tiny IDAT declaring a huge picture costs nothing), and
the number of chunks is capped (see :meth:`SteppingCleaner.count_structure`), since each
costs a few Python steps.
"""

from __future__ import annotations

import zlib

from sipadu.media.base import FileKind, MediaCleaningError, Removed, SteppingCleaner

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
_KEPT_ANCILLARY = {
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"iCCP",
    b"cICP",
    b"mDCV",
    b"cLLI",
    b"sBIT",
    b"bKGD",
    b"hIST",
    b"pHYs",
    b"sPLT",
    b"acTL",
    b"fcTL",
    b"fdAT",
}
_REMOVED_AS = {
    b"tEXt": Removed.TEXT,
    b"zTXt": Removed.TEXT,
    b"iTXt": Removed.TEXT,
    b"eXIf": Removed.EXIF,
    b"tIME": Removed.TIMESTAMP,
}
_MAX_CHUNK = 2**31 - 1


def _error(reason: str) -> MediaCleaningError:
    return MediaCleaningError(FileKind.PNG, reason)


class PngCleaner(SteppingCleaner):
    """See the module docstring."""

    kind = FileKind.PNG

    def __init__(self) -> None:
        super().__init__()
        self._state = "signature"  # -> "header" <-> "data" -> "crc" ... -> "trailer"
        self._type = b""
        self._keep = False
        self._remaining = 0
        self._crc = 0
        self._chunks = 0

    def _step(self, out: bytearray) -> bool:
        buf = self._buf
        if self._state == "signature":
            if len(buf) < len(SIGNATURE):
                return False
            if bytes(buf[:8]) != SIGNATURE:
                raise _error("bad_signature")
            out += buf[:8]
            del buf[:8]
            self._state = "header"
            return True
        if self._state == "header":
            return self._read_header(out)
        if self._state == "data":
            if not buf:
                return False
            take = min(self._remaining, len(buf))
            piece = buf[:take]
            del buf[:take]
            self._crc = zlib.crc32(piece, self._crc)
            if self._keep:
                out += piece
            self._remaining -= take
            if self._remaining == 0:
                self._state = "crc"
            return True
        if self._state == "crc":
            if len(buf) < 4:
                return False
            if int.from_bytes(buf[:4], "big") != self._crc:
                raise _error("bad_crc")
            if self._keep:
                out += buf[:4]
            del buf[:4]
            self._state = "trailer" if self._type == b"IEND" else "header"
            return True
        if buf:  # trailer
            self._report.note_removed(Removed.TRAILING_DATA)
            buf.clear()
        return False

    def _read_header(self, out: bytearray) -> bool:
        buf = self._buf
        if len(buf) < 8:
            return False
        length = int.from_bytes(buf[:4], "big")
        chunk_type = bytes(buf[4:8])
        if length > _MAX_CHUNK:
            raise _error("bad_chunk_length")
        if not all(0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A for c in chunk_type):
            raise _error("bad_chunk_type")
        self.count_structure()
        if self._chunks == 0 and chunk_type != b"IHDR":
            raise _error("first_chunk_not_ihdr")
        critical = chunk_type[0] < 0x61  # upper-case first letter
        if critical and chunk_type not in _CRITICAL:
            raise _error("unknown_critical_chunk")
        self._keep = critical or chunk_type in _KEPT_ANCILLARY
        if not self._keep:
            self._report.note_removed(_REMOVED_AS.get(chunk_type, Removed.APPLICATION_DATA))
        else:
            out += buf[:8]
        self._type = chunk_type
        self._crc = zlib.crc32(chunk_type)
        self._remaining = length
        self._chunks += 1
        del buf[:8]
        self._state = "data" if length else "crc"
        return True
