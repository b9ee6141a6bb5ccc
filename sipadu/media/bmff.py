"""ISO base media files: MP4, MOV and 3GP videos, HEIF/HEIC/AVIF photos.

Phones write where and when a video was recorded, and on which device, into boxes of the
file: ``moov/udta`` (``©xyz`` location, ``©mak``/``©mod`` make and model, ``©day``),
``moov/meta`` (Apple's ``com.apple.quicktime.location.ISO6709``, make, model, software,
creation date), ``uuid`` boxes (XMP), the creation and modification times of the movie, of
each track and of each track's media (``mvhd``, ``tkhd``, ``mdhd``), and timed metadata
tracks whose samples in ``mdat`` can hold a GPS track. A HEIF photo keeps EXIF and XMP as
items of its ``meta`` box, with their bytes usually in ``mdat``.

Every change is made in place and keeps each box's size, so the offsets a file holds into
itself (chunk offsets of tracks, item locations of a photo) stay right:

- a metadata box (``udta``, ``meta`` other than a photo's, ``uuid``, unknown boxes) becomes a
  ``free`` box of the same size whose bytes are zeros;
- the creation and modification times become zero;
- a track that is neither video nor sound (timed metadata, captions, timecode) becomes a
  ``free`` box, and the bytes of its samples in ``mdat`` are zeroed;
- a photo's EXIF item becomes an empty EXIF block, its XMP and other metadata items zeros,
  the names of its items are blanked (see :mod:`sipadu.media.heif`);
- ``free``/``skip``/``wide`` padding is zeroed (it may hold older copies of metadata), and
  bytes after the last box are dropped.

The file is held in memory (never on disk) up to a limit, because the boxes that say which
bytes of ``mdat`` are metadata often come after it (``moov`` last, as phones record).
Refused (:class:`MediaCleaningError`): a file over the limit, a box that runs past its
parent or the file, a file of absurdly many boxes or table entries (the budget of
:func:`structure_allowance`), fragmented files (``moof``), compressed movie headers and
sample tables SIPADU does not read. Work is linear in the file's size: every box and table
entry read costs from the budget, and the bytes zeroed never add up to more than the file.
"""

from __future__ import annotations

from typing import cast

from sipadu.media.base import MIB, CleaningReport, FileKind, MediaCleaningError, Removed
from sipadu.media.bmff_boxes import PADDING, Box, BoxWalk, u32
from sipadu.media.bmff_samples import zero_track_samples
from sipadu.media.heif import clean_photo_meta

DEFAULT_BMFF_LIMIT = 100 * MIB
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"mif2", b"msf1"}
    | {b"avif", b"avis"}
)
# What a video keeps: the tracks that show or play, and the boxes needed to do so.
_PLAYED = frozenset({b"vide", b"soun"})
_MOOV_KEPT = frozenset({b"mvhd", b"trak", b"mvex", b"iods", b"ctab", b"clip", b"prfl"})
_TRAK_KEPT = frozenset(
    {b"tkhd", b"mdia", b"edts", b"tref", b"tapt", b"load", b"txas", b"imap", b"matt", b"clip"}
)
_MDIA_KEPT = frozenset({b"mdhd", b"hdlr", b"minf", b"elng"})
_TOP_KEPT = frozenset({b"ftyp", b"styp", b"mdat", b"pdin", b"sidx", b"mfra"})


def kind_of(head: bytes) -> FileKind | None:
    """The kind of an ISO base media file from its first 12 bytes, else ``None``."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in HEIF_BRANDS:
            return FileKind.HEIF
        if brand == b"qt  ":
            return FileKind.MOV
        if brand.startswith((b"3gp", b"3g2")):
            return FileKind.THREE_GP
        return FileKind.MP4
    if head[4:8] in (b"moov", b"mdat", b"wide"):  # old QuickTime files start without ftyp
        return FileKind.MOV
    return None


class BmffCleaner:
    """See the module docstring."""

    def __init__(self, kind: FileKind, limit: int = DEFAULT_BMFF_LIMIT) -> None:
        self._report = CleaningReport(kind)
        self._buf = bytearray()
        self._limit = limit

    @property
    def report(self) -> CleaningReport:
        return self._report

    def feed(self, data: bytes) -> bytes:
        if len(self._buf) + len(data) > self._limit:
            self._buf = bytearray()
            reason = "too_large" if self._report.kind is FileKind.HEIF else "video_too_large"
            raise MediaCleaningError(self._report.kind, reason)
        self._buf += data
        return b""

    def finish(self) -> bytes:
        data, self._buf = self._buf, bytearray()
        MovieWalk(data, self._report).clean()
        return cast("bytes", data)  # handed on as the bytearray it was cleaned in


class MovieWalk(BoxWalk):
    """The cleaning pass: which boxes are kept, blanked or looked into."""

    def clean(self) -> None:
        """Clean the whole file, or raise :class:`MediaCleaningError`."""
        pos, end = 0, len(self.data)
        while pos < end:
            box = self._top_box(pos, end)
            if box is None:
                self.report.note_removed(Removed.TRAILING_DATA)
                del self.data[pos:]
                break
            self._top_level(box)
            pos = box.end
        needed = b"meta" if self.kind is FileKind.HEIF else b"moov"
        if needed not in self._seen:
            raise self.error("no_image_data")
        self._apply_ranges()

    def _top_box(self, pos: int, end: int) -> Box | None:
        """The top-level box at ``pos``; ``None`` for bytes after the last one (a vendor
        trailer after a complete file, or a few stray bytes)."""
        complete = b"mdat" in self._seen and (b"moov" in self._seen or b"meta" in self._seen)
        size = u32(self.data, pos) if end - pos >= 8 else 0
        if end - pos < 8 or 1 < size < 8:
            if complete:
                return None
            raise self.error("truncated")
        try:
            return self.box_at(pos, end)
        except MediaCleaningError:
            if complete:
                return None
            raise

    def _top_level(self, box: Box) -> None:
        self._seen.add(box.type)
        if box.type in _TOP_KEPT:
            return
        if box.type in PADDING:
            self.zero(box.body, box.end)
        elif box.type == b"moov":
            self._clean_moov(box)
        elif box.type == b"meta" and self.kind is FileKind.HEIF:
            clean_photo_meta(self, box)
        elif box.type in (b"moof", b"cmov"):
            raise self.error("unsupported_layout")
        else:
            self.blank_metadata(box)

    def _clean_moov(self, moov: Box) -> None:
        for box in self.children(moov, depth=1):
            if box.type == b"mvhd":
                self.zero_times(box)
            elif box.type == b"trak":
                self._clean_trak(box)
            elif box.type == b"cmov":
                raise self.error("unsupported_layout")
            elif box.type in PADDING:
                self.zero(box.body, box.end)
            elif box.type not in _MOOV_KEPT:
                self.blank_metadata(box)

    def _clean_trak(self, trak: Box) -> None:
        boxes = self.children(trak, depth=2)
        mdia = next((box for box in boxes if box.type == b"mdia"), None)
        if mdia is None:
            raise self.error("bad_track")
        mdia_boxes = self.children(mdia, depth=3)
        if self._handler(mdia_boxes) not in _PLAYED:
            zero_track_samples(self, mdia_boxes)
            self.blank_metadata(trak, Removed.METADATA_TRACK)
            return
        for box in boxes:
            if box.type == b"tkhd":
                self.zero_times(box)
            elif box.type == b"mdia":
                self._clean_mdia(mdia_boxes)
            elif box.type in PADDING:
                self.zero(box.body, box.end)
            elif box.type not in _TRAK_KEPT:
                self.blank_metadata(box)

    def _clean_mdia(self, boxes: list[Box]) -> None:
        for box in boxes:
            if box.type == b"mdhd":
                self.zero_times(box)
            elif box.type not in _MDIA_KEPT:
                self.blank_metadata(box)

    def _handler(self, mdia_boxes: list[Box]) -> bytes:
        hdlr = next((box for box in mdia_boxes if box.type == b"hdlr"), None)
        if hdlr is None or hdlr.body + 12 > hdlr.end:
            raise self.error("bad_track")
        return bytes(self.data[hdlr.body + 8 : hdlr.body + 12])
