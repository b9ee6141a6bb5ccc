"""Walking the boxes of an ISO base media file held in memory, and changing them in place
without changing any box's size (see :mod:`sipadu.media.bmff`)."""

from __future__ import annotations

import array
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from sipadu.media.base import (
    CleaningReport,
    FileKind,
    MediaCleaningError,
    Removed,
    structure_allowance,
)

MAX_DEPTH = 8
PADDING = frozenset({b"free", b"skip", b"wide"})
_LOCATION_MARKS = (b"\xa9xyz", b"loci", b"ISO6709", b"GPS")
_XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
_ZEROS = bytes(1024 * 1024)


@dataclass(frozen=True)
class Box:
    """One box: its type, where it starts, where its body starts and where it ends."""

    type: bytes
    start: int
    body: int
    end: int
    size_bytes: int  # 8, or 16 with a 64-bit size: what renaming to ``free`` must keep


def u32(data: bytearray, pos: int) -> int:
    """The big-endian 32-bit number at ``pos``."""
    return int.from_bytes(data[pos : pos + 4], "big")


def read_uint(data: bytearray, pos: int, size: int) -> int:
    """A big-endian number of ``size`` bytes (0 reads as 0)."""
    return int.from_bytes(data[pos : pos + size], "big") if size else 0


class BoxWalk:
    """One cleaning pass over a whole file held in ``data`` (changed in place)."""

    def __init__(self, data: bytearray, report: CleaningReport) -> None:
        self.data = data
        self.report = report
        self.kind = report.kind
        self._budget = structure_allowance(len(data))
        self._ranges: list[tuple[int, int]] = []
        self._zeroed = 0
        self.empty_exif_at: list[tuple[int, bytes]] = []
        self._seen: set[bytes] = set()

    def error(self, reason: str) -> MediaCleaningError:
        """A refusal of this file."""
        return MediaCleaningError(self.kind, reason)

    def spend(self, count: int = 1) -> None:
        """Count boxes or table entries read; refuse a file made of absurdly many."""
        self._budget -= count
        if self._budget < 0:
            raise self.error("too_many_structures")

    def box_at(self, pos: int, end: int) -> Box:
        """The box at ``pos``, which must end by ``end``."""
        self.spend()
        data = self.data
        if end - pos < 8:
            raise self.error("truncated_box_header")
        size, kind, header = u32(data, pos), bytes(data[pos + 4 : pos + 8]), 8
        if size == 1:
            if end - pos < 16:
                raise self.error("truncated_box_header")
            size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        elif size == 0:
            size = end - pos
        size_bytes = header
        if kind == b"uuid":
            header += 16
        if size < header:
            raise self.error("bad_box_size")
        if pos + size > end:
            raise self.error("truncated")
        return Box(kind, pos, pos + header, pos + size, size_bytes)

    def boxes(self, start: int, end: int) -> Iterator[Box]:
        """The boxes from ``start`` to ``end``, which they must fill exactly."""
        pos = start
        while pos < end:
            box = self.box_at(pos, end)
            yield box
            pos = box.end

    def children(self, box: Box, skip: int = 0, depth: int = 0) -> list[Box]:
        """The boxes inside ``box`` (after ``skip`` bytes of its own fields)."""
        if depth > MAX_DEPTH:
            raise self.error("too_deep")
        if box.body + skip > box.end:
            raise self.error("bad_box_size")
        return list(self.boxes(box.body + skip, box.end))

    def zero(self, start: int, end: int) -> None:
        """Zero ``data[start:end]`` in place, a MiB at a time (no copy of a large box)."""
        view = memoryview(self.data)
        try:
            for piece in range(start, end, len(_ZEROS)):
                stop = min(end, piece + len(_ZEROS))
                view[piece:stop] = _ZEROS[: stop - piece]
        finally:
            view.release()  # a bytearray cannot be resized while a view is held

    def blank(self, box: Box) -> None:
        """Turn ``box`` into a ``free`` box of the same size holding zeros."""
        self.data[box.start + 4 : box.start + 8] = b"free"
        start = box.start + box.size_bytes
        self.zero(start, box.end)

    def blank_metadata(self, box: Box, what: Removed = Removed.DEVICE_METADATA) -> None:
        """Blank a metadata box, saying what it held (``what``, or XMP for an XMP box)."""
        if box.type == b"uuid" and self.data[box.start + 8 : box.body] == _XMP_UUID:
            self.report.note_removed(Removed.XMP)
        else:
            self.report.note_removed(what)
        if any(self.data.find(mark, box.start, box.end) >= 0 for mark in _LOCATION_MARKS):
            self.report.note_removed(Removed.LOCATION)
        self.blank(box)

    def zero_range(self, start: int, length: int) -> None:
        """Zero ``length`` bytes from ``start`` once the walk is done."""
        if start < 0 or length < 0 or start + length > len(self.data):
            raise self.error("bad_data_location")
        self._zeroed += length
        if self._zeroed > len(self.data):
            raise self.error("too_many_structures")
        self._ranges.append((start, start + length))

    def _apply_ranges(self) -> None:
        for start, end in self._ranges:
            self.zero(start, end)
        for start, content in self.empty_exif_at:
            self.data[start : start + len(content)] = content

    def zero_times(self, box: Box) -> None:
        """Zero the creation and modification times of an ``mvhd``/``tkhd``/``mdhd``."""
        width = 8 if self.data[box.body : box.body + 1] == b"\x01" else 4
        start, end = box.body + 4, box.body + 4 + 2 * width
        if end > box.end:
            raise self.error("bad_header_box")
        if any(self.data[start:end]):
            self.report.note_removed(Removed.CREATION_TIME)
            self.zero(start, end)


def uint_table(data: bytearray, start: int, count: int, width: int) -> array.array[int]:
    """``count`` big-endian unsigned numbers of ``width`` bytes (4 or 8) from ``start``."""
    table = array.array("I" if width == 4 else "Q", bytes(data[start : start + count * width]))
    if table.itemsize != width:  # pragma: no cover (every platform we run on)
        raise MediaCleaningError(FileKind.MP4, "unsupported_layout")
    if sys.byteorder == "little":
        table.byteswap()
    return table
