"""Phone videos and photos (ISO base media files) built in memory, with metadata to find.

The shapes follow what phones write: an iPhone MOV (``moov`` after ``mdat``, location and
device in ``moov/meta`` keys, a timed metadata track), an Android MP4 (``moov`` first,
``udta/©xyz``), a HEIC photo (EXIF and XMP items in ``mdat``). Every piece of metadata
carries one of :data:`SECRETS`; the picture and sound bytes are :data:`VIDEO_BYTES` and
:data:`SOUND_BYTES`, which must come out untouched.
"""

from __future__ import annotations

import struct

GPS = b"+06.1754+106.8272/"
SECRETS = (GPS, b"Pixel-SECRET-MODEL", b"SECRET-MAKER", b"GPS-TRACK-SECRET", b"XMP-SECRET")
VIDEO_BYTES = b"\x00\x00\x00\x10VIDEOFRAMEDATA01" * 8
SOUND_BYTES = b"AUDIOSAMPLES-AAC" * 4
GPS_SAMPLES = (b"GPS-TRACK-SECRET-1 " + GPS, b"GPS-TRACK-SECRET-2 " + GPS)
CREATED = 3_786_000_000  # seconds since 1904: a day in 2023


def box(kind: bytes, *parts: bytes) -> bytes:
    """A box of ``kind`` holding ``parts``."""
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def full_box(kind: bytes, version: int, *parts: bytes) -> bytes:
    """A full box (version and flags first)."""
    return box(kind, bytes([version, 0, 0, 0]), *parts)


def _times(version: int) -> bytes:
    if version == 1:
        return struct.pack(">QQ", CREATED, CREATED + 5)
    return struct.pack(">II", CREATED, CREATED + 5)


def mvhd(version: int = 0) -> bytes:
    return full_box(b"mvhd", version, _times(version), struct.pack(">II", 600, 6000), bytes(80))


def tkhd(track: int, version: int = 0) -> bytes:
    return full_box(b"tkhd", version, _times(version), struct.pack(">II", track, 0), bytes(60))


def mdhd(version: int = 0) -> bytes:
    return full_box(b"mdhd", version, _times(version), struct.pack(">IIHH", 600, 600, 0, 0))


def hdlr(handler: bytes, name: bytes = b"Core Media") -> bytes:
    return full_box(b"hdlr", 0, bytes(4), handler, bytes(12), name + b"\x00")


def stbl(chunk_offsets: list[int], sizes: list[int], per_chunk: int = 1) -> bytes:
    """A sample table: ``per_chunk`` samples per chunk, each of its size in ``sizes``."""
    stsc = full_box(b"stsc", 0, struct.pack(">IIII", 1, 1, per_chunk, 1))
    stsz = full_box(
        b"stsz", 0, struct.pack(">II", 0, len(sizes)), *(struct.pack(">I", s) for s in sizes)
    )
    stco = full_box(
        b"stco",
        0,
        struct.pack(">I", len(chunk_offsets)),
        *(struct.pack(">I", o) for o in chunk_offsets),
    )
    stsd = full_box(b"stsd", 0, struct.pack(">I", 0))
    return box(b"stbl", stsd, stsc, stsz, stco)


def trak(track: int, handler: bytes, offsets: list[int], sizes: list[int], *extra: bytes) -> bytes:
    minf = box(b"minf", stbl(offsets, sizes))
    return box(b"trak", tkhd(track), box(b"mdia", mdhd(), hdlr(handler), minf), *extra)


def apple_meta() -> bytes:
    """``moov/meta`` as an iPhone writes it: keys and their values."""
    keys = [
        b"com.apple.quicktime.location.ISO6709",
        b"com.apple.quicktime.make",
        b"com.apple.quicktime.model",
    ]
    values = [GPS, b"SECRET-MAKER", b"Pixel-SECRET-MODEL"]
    key_box = full_box(b"keys", 0, struct.pack(">I", len(keys)), *(box(b"mdta", k) for k in keys))
    items = [box(struct.pack(">I", i + 1), box(b"data", bytes(8), v)) for i, v in enumerate(values)]
    return full_box(b"meta", 0, hdlr(b"mdta", b""), key_box, box(b"ilst", *items))


def android_udta() -> bytes:
    """``udta`` as Android writes it: ``©xyz`` location (and a vendor make/model)."""
    xyz = box(b"\xa9xyz", struct.pack(">HH", len(GPS), 0x15C7), GPS)
    return box(
        b"udta", xyz, box(b"\xa9mak", b"SECRET-MAKER"), box(b"\xa9mod", b"Pixel-SECRET-MODEL")
    )


def xmp_uuid() -> bytes:
    return box(
        b"uuid",
        bytes.fromhex("be7acfcb97a942e89c71999491e3afac"),
        b"<x:xmpmeta>XMP-SECRET</x:xmpmeta>",
    )


def video(*, moov_first: bool, brand: bytes = b"qt  ", gps_track: bool = True) -> bytes:
    """A video with a video track, a sound track, (a GPS track), location and device data."""
    ftyp = box(b"ftyp", brand, struct.pack(">I", 0), brand, b"isom")
    samples = [VIDEO_BYTES, SOUND_BYTES, *(GPS_SAMPLES if gps_track else ())]

    def build(mdat_start: int) -> bytes:
        offsets, pos = [], mdat_start + 8
        for sample in samples:
            offsets.append(pos)
            pos += len(sample)
        traks = [
            trak(1, b"vide", [offsets[0]], [len(VIDEO_BYTES)]),
            trak(
                2,
                b"soun",
                [offsets[1]],
                [len(SOUND_BYTES)],
                box(b"udta", box(b"name", b"SECRET-MAKER")),
            ),
        ]
        if gps_track:
            traks.append(trak(3, b"meta", offsets[2:], [len(s) for s in GPS_SAMPLES]))
        return box(b"moov", mvhd(), *traks, apple_meta(), android_udta())

    mdat = box(b"mdat", *samples)
    if moov_first:
        moov = build(0)
        moov = build(len(ftyp) + len(moov))
        return ftyp + moov + mdat + xmp_uuid()
    return ftyp + box(b"wide") + mdat + build(len(ftyp) + 8) + xmp_uuid()


PICTURE = b"HEVC-PICTURE-BYTES" * 10
EXIF = b"\x00\x00\x00\x06Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" + b"SECRET-MAKER GPS " + GPS
XMP = b"<x:xmpmeta>XMP-SECRET " + GPS + b"</x:xmpmeta>"


def heic() -> bytes:
    """A HEIC photo: one image item and EXIF and XMP items, all in ``mdat``."""
    ftyp = box(b"ftyp", b"heic", struct.pack(">I", 0), b"mif1heic")
    parts = [PICTURE, EXIF, XMP]

    def meta(mdat_start: int) -> bytes:
        infe = [
            full_box(b"infe", 2, struct.pack(">HH", 1, 0), b"hvc1", b"SECRET-MAKER-IMG\x00"),
            full_box(b"infe", 2, struct.pack(">HH", 2, 0), b"Exif", b"\x00"),
            full_box(b"infe", 2, struct.pack(">HH", 3, 0), b"mime", b"\x00application/rdf+xml\x00"),
        ]
        iinf = full_box(b"iinf", 0, struct.pack(">H", len(infe)), *infe)
        entries, pos = [], mdat_start + 8
        for item, part in enumerate(parts, start=1):
            entries.append(struct.pack(">HHHII", item, 0, 1, pos, len(part)))
            pos += len(part)
        iloc = full_box(b"iloc", 0, bytes([0x44, 0x00]), struct.pack(">H", len(parts)), *entries)
        pitm = full_box(b"pitm", 0, struct.pack(">H", 1))
        return full_box(
            b"meta", 0, hdlr(b"pict", b""), pitm, iloc, iinf, box(b"iprp", box(b"ipco"))
        )

    first = meta(0)
    return ftyp + meta(len(ftyp) + len(first)) + box(b"mdat", *parts)
