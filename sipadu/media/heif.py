"""The ``meta`` box of a HEIF/HEIC/AVIF photo: its items, and the metadata among them.

A photo is a set of items listed in ``iinf`` (one ``infe`` each: id, type, name) whose bytes
``iloc`` locates, in ``mdat`` (construction method 0: file offsets) or in the ``meta``
box's own ``idat`` (method 1). EXIF is an item of type ``Exif``; XMP an item of type ``mime``
(``application/rdf+xml``); ``uri `` items carry other vendor metadata. Their bytes are
zeroed, and an EXIF item gets an empty EXIF block (a TIFF header and an empty directory) so
readers that expect one still find a valid one. The names of image items are blanked.
``xml ``/``bxml``/``uuid`` boxes in ``meta`` are blanked like a video's metadata boxes.

Refused: ``infe`` versions before 2 (no item types), item locations by reference
(construction method 2), a metadata item of length "to the end of the file".
"""

from __future__ import annotations

from sipadu.media.base import Removed
from sipadu.media.bmff_boxes import Box, BoxWalk

# exif_tiff_header_offset 0, then a big-endian TIFF header and an empty first directory.
EMPTY_EXIF = b"\x00\x00\x00\x00" + b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x00" + b"\x00" * 4
_METADATA_ITEMS = {b"Exif": Removed.EXIF, b"mime": Removed.XMP, b"uri ": Removed.DEVICE_METADATA}
_META_KEPT = frozenset(
    {b"hdlr", b"pitm", b"iloc", b"iinf", b"iref", b"iprp", b"idat", b"dinf", b"grpl"}
)


def clean_photo_meta(walk: BoxWalk, meta: Box) -> None:
    """Clean a photo's top-level ``meta`` box (a full box: 4 bytes of version and flags)."""
    boxes = walk.children(meta, skip=4, depth=1)
    found = {box.type: box for box in boxes}
    hdlr = found.get(b"hdlr")
    if (
        hdlr is None
        or hdlr.body + 12 > hdlr.end
        or walk.data[hdlr.body + 8 : hdlr.body + 12] != (b"pict")
    ):
        raise walk.error("no_image_data")
    for box in boxes:
        if box.type in (b"free", b"skip"):
            walk.zero(box.body, box.end)
        elif box.type not in _META_KEPT:
            walk.blank_metadata(box)
    iinf, iloc = found.get(b"iinf"), found.get(b"iloc")
    if iinf is None:
        return
    metadata = _metadata_items(walk, iinf)
    if metadata and iloc is None:
        raise walk.error("bad_item_location")
    if metadata and iloc is not None:
        idat = found.get(b"idat")
        _zero_items(walk, iloc, metadata, idat.body if idat else None)


def _metadata_items(walk: BoxWalk, iinf: Box) -> dict[int, bytes]:
    """Item id -> type of every metadata item; blanks the names of the others."""
    data = walk.data
    skip = 6 if data[iinf.body : iinf.body + 1] == b"\x00" else 8
    items: dict[int, bytes] = {}
    for infe in walk.children(iinf, skip=skip, depth=2):
        if infe.type != b"infe":
            continue
        version = data[infe.body]
        if version < 2:
            raise walk.error("unsupported_layout")
        id_width = 2 if version == 2 else 4
        type_at = infe.body + 4 + id_width + 2
        if type_at + 4 > infe.end:
            raise walk.error("bad_item_info")
        item_id = int.from_bytes(data[infe.body + 4 : infe.body + 4 + id_width], "big")
        item_type = bytes(data[type_at : type_at + 4])
        if item_type in _METADATA_ITEMS:
            items[item_id] = item_type
            walk.report.note_removed(_METADATA_ITEMS[item_type])
        else:
            _blank_name(walk, type_at + 4, infe.end)
    return items


def _blank_name(walk: BoxWalk, start: int, end: int) -> None:
    """Zero an item's name (a NUL-terminated string, the last field of an image item)."""
    stop = walk.data.find(b"\x00", start, end)
    stop = end if stop < 0 else stop
    if stop > start:
        walk.report.note_removed(Removed.TEXT)
        walk.zero(start, stop)


def _zero_items(walk: BoxWalk, iloc: Box, metadata: dict[int, bytes], idat: int | None) -> None:
    """Zero the bytes of the metadata items, as ``iloc`` locates them."""
    data, pos = walk.data, iloc.body
    version = data[pos] if pos < iloc.end else 0
    if pos + 8 > iloc.end or version > 2:
        raise walk.error("bad_item_location")
    offset_size, length_size = data[pos + 4] >> 4, data[pos + 4] & 15
    base_size, index_size = data[pos + 5] >> 4, (data[pos + 5] & 15 if version else 0)
    if any(size not in (0, 4, 8) for size in (offset_size, length_size, base_size, index_size)):
        raise walk.error("bad_item_location")
    count_width = 4 if version == 2 else 2
    count = int.from_bytes(data[pos + 6 : pos + 6 + count_width], "big")
    reader = _Reader(walk, pos + 6 + count_width, iloc.end)
    for _ in range(count):
        walk.spend()
        item_id = reader.take(4 if version == 2 else 2)
        method = reader.take(2) & 15 if version else 0
        reader.take(2)  # data reference index: 0 is this file
        base = reader.take(base_size)
        extent_count = reader.take(2)
        walk.spend(extent_count)  # extents of 0-byte fields cost no room in the box
        extents = [
            (reader.take(index_size), reader.take(offset_size), reader.take(length_size))
            for _extent in range(extent_count)
        ]
        if item_id in metadata:
            _zero_extents(walk, method, base, extents, idat, metadata[item_id])


def _zero_extents(
    walk: BoxWalk,
    method: int,
    base: int,
    extents: list[tuple[int, int, int]],
    idat: int | None,
    item_type: bytes,
) -> None:
    if method == 1 and idat is not None:
        base += idat
    elif method != 0:
        raise walk.error("unsupported_layout")
    for number, (_index, offset, length) in enumerate(extents):
        if length == 0:
            raise walk.error("unsupported_layout")
        walk.zero_range(base + offset, length)
        if number == 0 and item_type == b"Exif" and length >= len(EMPTY_EXIF):
            walk.empty_exif_at.append((base + offset, EMPTY_EXIF))


class _Reader:
    """Big-endian numbers read one after another, within a box, each read counted."""

    def __init__(self, walk: BoxWalk, pos: int, end: int) -> None:
        self._walk, self._pos, self._end = walk, pos, end

    def take(self, size: int) -> int:
        if self._pos + size > self._end:
            raise self._walk.error("bad_item_location")
        value = int.from_bytes(self._walk.data[self._pos : self._pos + size], "big")
        self._pos += size
        return value
