"""JPEG: a streaming segment parser that drops metadata segments and keeps the picture.

Removed: APP1 (EXIF, XMP, extended XMP), APP2 other than ICC_PROFILE (e.g. MPF, FlashPix),
APP3-APP15 other than a standard Adobe APP14 (e.g. APP13 IPTC/Photoshop, vendor blocks),
COM comments, APP0 segments other than JFIF (JFXX thumbnails, AVI1), the thumbnail inside a
JFIF APP0, and everything after the end-of-image marker (multi-picture images, motion-photo
video, vendor trailers).

Kept: SOI/EOI, JFIF APP0 (without thumbnail), APP2 ICC_PROFILE (colours), Adobe APP14 (the
colour transform CMYK/YCCK pictures need), quantisation and Huffman tables, frame and scan
headers, restart intervals, and the entropy-coded scan data byte for byte.

Memory is bounded by one segment (at most 65,535 bytes) plus the current piece. Time is
linear with small constants: scan data and fill bytes are searched by the regular-expression
engine (runs of 0xFF cost no Python step per byte), and the markers and segments outside the
scan, each a Python step, are capped (see :meth:`SteppingCleaner.count_structure`).
"""

from __future__ import annotations

import re

from sipadu.media.base import FileKind, MediaCleaningError, Removed, SteppingCleaner

_SOI, _EOI, _SOS, _TEM = 0xD8, 0xD9, 0xDA, 0x01
_RST = range(0xD0, 0xD8)
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7}
_ADOBE_APP14_LENGTH = 14  # length field value of the standard 12-byte Adobe segment + 2
# In scan data, a marker starts at the last 0xFF of a run followed by a byte that is not a
# stuffed zero or a restart marker; earlier 0xFFs of the run are fill bytes, kept as sent.
# (Never ``\xff+`` here: the engine would retry the run from each of its bytes, quadratic.)
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_NOT_FILL = re.compile(rb"[^\xff]")


def _error(reason: str) -> MediaCleaningError:
    return MediaCleaningError(FileKind.JPEG, reason)


class JpegCleaner(SteppingCleaner):
    """See the module docstring."""

    kind = FileKind.JPEG

    def __init__(self) -> None:
        super().__init__()
        # "soi" -> "marker" <-> "segment" ; after SOS header: "scan"; after EOI: "trailer"
        self._state = "soi"
        self._marker = 0
        self._seen_frame = False
        self._seen_scan = False

    # Each step consumes from the buffer and returns True, or returns False to wait for more.
    def _step(self, out: bytearray) -> bool:
        buf = self._buf
        if self._state == "soi":
            if len(buf) < 2:
                return False
            if buf[0] != 0xFF or buf[1] != _SOI:
                raise _error("no_start_of_image")
            out += buf[:2]
            del buf[:2]
            self._state = "marker"
            return True
        if self._state == "marker":
            return self._read_marker(out)
        if self._state == "segment":
            return self._read_segment(out)
        if self._state == "scan":
            return self._read_scan(out)
        if buf:  # trailer
            self._report.note_removed(Removed.TRAILING_DATA)
            buf.clear()
        return False

    def _read_marker(self, out: bytearray) -> bool:
        buf = self._buf
        # Fill bytes (0xFF) may precede a marker; drop them, keeping the marker's own 0xFF.
        found = _NOT_FILL.search(buf)
        if found is None:
            del buf[: max(0, len(buf) - 1)]
            return False
        if found.start() == 0:
            raise _error("expected_marker")
        del buf[: found.start() - 1]
        self.count_structure()
        marker = buf[1]
        if marker in (0x00, 0xFF):
            raise _error("invalid_marker")
        if marker == _EOI:
            if not (self._seen_frame and self._seen_scan):
                raise _error("no_image_data")
            out += buf[:2]
            del buf[:2]
            self._state = "trailer"
            return True
        if marker == _SOI:
            raise _error("nested_start_of_image")
        if marker in _RST or marker == _TEM:
            out += buf[:2]
            del buf[:2]
            return True
        self._marker = marker
        self._state = "segment"
        return True

    def _read_segment(self, out: bytearray) -> bool:
        buf = self._buf
        if len(buf) < 4:
            return False
        length = int.from_bytes(buf[2:4], "big")
        if length < 2:
            raise _error("bad_segment_length")
        total = 2 + length
        if len(buf) < total:
            return False
        segment = bytes(buf[:total])
        del buf[:total]
        marker = self._marker
        kept = self._filter_segment(marker, segment)
        if kept is not None:
            out += kept
        if marker in _SOF:
            self._seen_frame = True
        if marker == _SOS:
            if not self._seen_frame:
                raise _error("scan_before_frame")
            self._seen_scan = True
            self._state = "scan"
        else:
            self._state = "marker"
        return True

    def _filter_segment(self, marker: int, segment: bytes) -> bytes | None:
        payload = segment[4:]
        report = self._report
        if marker == 0xFE:
            report.note_removed(Removed.COMMENT)
            return None
        if marker == 0xE0:
            if payload.startswith(b"JFIF\x00") and len(payload) >= 14:
                if len(payload) > 14 or payload[12:14] != b"\x00\x00":
                    report.note_removed(Removed.THUMBNAIL)
                    # Keep version, units and density; declare no thumbnail.
                    return b"\xff\xe0\x00\x10" + payload[:12] + b"\x00\x00"
                return segment
            report.note_removed(
                Removed.THUMBNAIL if payload.startswith(b"JFXX\x00") else Removed.APPLICATION_DATA
            )
            return None
        if marker == 0xE1:
            report.note_removed(Removed.XMP if payload.startswith(b"http") else Removed.EXIF)
            return None
        if marker == 0xE2:
            if payload.startswith(b"ICC_PROFILE\x00"):
                return segment
            report.note_removed(Removed.APPLICATION_DATA)
            return None
        if marker == 0xED:
            report.note_removed(Removed.IPTC)
            return None
        if marker == 0xEE:
            if payload.startswith(b"Adobe") and len(segment) - 2 == _ADOBE_APP14_LENGTH:
                return segment
            report.note_removed(Removed.APPLICATION_DATA)
            return None
        if 0xE3 <= marker <= 0xEF:
            report.note_removed(Removed.APPLICATION_DATA)
            return None
        return segment

    def _read_scan(self, out: bytearray) -> bool:
        """Copy entropy-coded data until a marker that is not stuffing or a restart."""
        buf = self._buf
        found = _SCAN_END.search(buf)
        if found is None:
            # A final 0xFF may start a marker: keep it until we see what follows.
            end = len(buf) - 1 if buf.endswith(b"\xff") else len(buf)
            out += buf[:end]
            del buf[:end]
            return False
        out += buf[: found.start()]
        del buf[: found.start()]
        self._state = "marker"
        return True
