"""Real files full of metadata, built in memory for the cleaner tests.

Every piece of metadata carries a ``MARKER`` string so a test can look for any survivor
in the cleaned bytes.
"""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
from PIL import ExifTags, Image, PngImagePlugin

MARKERS = (b"MARKER", b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"8BIM", b"xpacket")
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
    b'dc:creator="MARKER-XMP-AUTHOR"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def picture(size: tuple[int, int] = (48, 32), mode: str = "RGB") -> Image.Image:
    """A small picture with varied pixels (so compression has something to do)."""
    image = Image.new(mode, size)
    image.putdata(
        [
            ((x * 7) % 256, (y * 11) % 256, ((x ^ y) * 5) % 256)[: len(mode)]
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    return image


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "MARKER-CAMERA-MAKER"
    exif[ExifTags.Base.Artist] = "MARKER-ARTIST"
    exif[ExifTags.Base.DateTime] = "2026:01:02 03:04:05"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 10.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 49.0, 15.0)
    return exif


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_metadata(progressive: bool = False) -> bytes:
    """JPEG with EXIF+GPS, XMP, a comment, IPTC, a JFXX thumbnail, ICC and a trailer."""
    out = io.BytesIO()
    picture().save(
        out,
        "JPEG",
        exif=exif_with_gps(),
        comment=b"MARKER-COMMENT",
        xmp=XMP,
        quality=90,
        progressive=progressive,
        icc_profile=b"ICC-KEEP" * 20,
    )
    data = out.getvalue()
    extra = (
        _segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10MARKER-IPTC-BY")
        + _segment(0xE0, b"JFXX\x00\x10" + b"MARKER-THUMB")
        + _segment(0xE2, b"MPF\x00MARKER-MPF")
        + _segment(0xEB, b"MARKER-APP11")
    )
    return data[:2] + extra + data[2:] + b"MARKER-TRAILER-AFTER-EOI"


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "MARKER-PNG-AUTHOR")
    info.add_text("Software", "MARKER-PNG-SOFTWARE", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), zip=False)
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info, exif=exif_with_gps(), dpi=(300, 300))
    data = out.getvalue()
    # tIME and a private chunk just before IEND, and junk after it.
    iend = data.rindex(b"IEND") - 4
    return (
        data[:iend]
        + png_chunk(b"tIME", b"\x07\xea\x01\x02\x03\x04\x05")
        + png_chunk(b"prVt", b"MARKER-PRIVATE")
        + data[iend:]
        + b"MARKER-AFTER-IEND"
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def webp_with_metadata(lossless: bool = False) -> bytes:
    out = io.BytesIO()
    picture().save(out, "WEBP", exif=exif_with_gps(), xmp=XMP, lossless=lossless, quality=90)
    return out.getvalue()


def pdf_with_metadata(jpeg_inside: bool = True) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["MARKER-XMP-CREATOR"]
    pdf.docinfo[pikepdf.Name.Author] = "MARKER-PDF-AUTHOR"
    pdf.docinfo[pikepdf.Name.Producer] = "MARKER-PDF-PRODUCER"
    pdf.docinfo[pikepdf.Name.Creator] = "MARKER-PDF-CREATOR"
    pdf.docinfo[pikepdf.Name.Title] = "MARKER-PDF-TITLE"
    pdf.docinfo[pikepdf.Name.CreationDate] = "D:20260102030405+07'00'"
    page = pdf.pages[0]
    page.obj[pikepdf.Name.PieceInfo] = pikepdf.Dictionary(
        App=pikepdf.Dictionary(Private=pikepdf.String("MARKER-PIECEINFO"))
    )
    annotation = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Text,
            Rect=[10, 10, 30, 30],
            T=pikepdf.String("MARKER-ANNOT-AUTHOR"),
            Contents=pikepdf.String("visible note"),
        )
    )
    page.obj[pikepdf.Name.Annots] = pikepdf.Array([annotation])
    if jpeg_inside:
        out = io.BytesIO()
        picture().save(out, "JPEG", exif=exif_with_gps())
        image = pikepdf.Stream(pdf, out.getvalue())
        image[pikepdf.Name.Type] = pikepdf.Name.XObject
        image[pikepdf.Name.Subtype] = pikepdf.Name.Image
        image[pikepdf.Name.Width] = 48
        image[pikepdf.Name.Height] = 32
        image[pikepdf.Name.ColorSpace] = pikepdf.Name.DeviceRGB
        image[pikepdf.Name.BitsPerComponent] = 8
        image[pikepdf.Name.Filter] = pikepdf.Name.DCTDecode
        page.obj[pikepdf.Name.Resources] = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.obj[pikepdf.Name.Contents] = pdf.make_stream(b"q 48 0 0 32 0 0 cm /Im0 Do Q")
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False)
    return buffer.getvalue()


def _js(marker: str) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"app.alert('{marker}')")
    )


def _embedded_file(pdf: pikepdf.Pdf, name: str, content: bytes) -> pikepdf.Object:
    stream = pdf.make_stream(content)
    stream[pikepdf.Name.Type] = pikepdf.Name.EmbeddedFile
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec,
            F=pikepdf.String(name),
            UF=pikepdf.String(name),
            EF=pikepdf.Dictionary(F=stream),
            AFRelationship=pikepdf.Name.Source,
        )
    )


def _bomb(pdf: pikepdf.Pdf, expanded: int) -> pikepdf.Object:
    """A Flate stream of zeros: ``expanded`` bytes once decoded, about 1/1000 of that raw."""
    squeeze = zlib.compressobj(9)
    block = bytes(16 * 1024 * 1024)
    parts = [
        squeeze.compress(block[: min(len(block), expanded - done)])
        for done in range(0, expanded, len(block))
    ]
    raw = b"".join(parts) + squeeze.flush()
    bomb = pikepdf.Stream(pdf, raw)
    bomb[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
    bomb[pikepdf.Name.Marker] = pikepdf.String("MARKER-BOMB")
    return pdf.make_indirect(bomb)


VISIBLE_TEXT = b"VISIBLE-EVIDENCE-TEXT"


def pdf_with_active_content(bomb_bytes: int = 1024 * 1024 * 1024) -> bytes:
    """A PDF that displays one line of text and carries everything a viewer does not need:
    an embedded Office file (in the name tree and /AF), scripts on open, on the page and
    behind a link, a file attachment annotation, bookmarks, a private catalog entry, a page
    XMP stream and a decompression bomb hung from the catalog. Every extra holds ``MARKER``."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 200))
    page = pdf.pages[0].obj
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page[pikepdf.Name.Resources] = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page[pikepdf.Name.Contents] = pdf.make_stream(
        b"BT /F1 12 Tf 20 100 Td (" + VISIBLE_TEXT + b") Tj ET"
    )
    docx = _embedded_file(pdf, "original.docx", b"PK\x03\x04MARKER-DOCX-AUTHOR")
    root = pdf.Root
    root[pikepdf.Name.Names] = pikepdf.Dictionary(
        EmbeddedFiles=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("original.docx"), docx])
        ),
        JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("init"), pdf.make_indirect(_js("MARKER-JS-NAMED"))])
        ),
    )
    root[pikepdf.Name.AF] = pikepdf.Array([docx])
    root[pikepdf.Name.OpenAction] = _js("MARKER-JS-OPEN")
    root[pikepdf.Name.Custom] = pikepdf.String("MARKER-ROOTSECRET hidden")
    root[pikepdf.Name.Bomb] = _bomb(pdf, bomb_bytes)
    outline = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("MARKER-OUTLINE")))
    root[pikepdf.Name.Outlines] = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=outline, Last=outline, Count=1)
    )
    outline[pikepdf.Name.Parent] = root.Outlines
    page[pikepdf.Name.AA] = pikepdf.Dictionary(O=_js("MARKER-JS-PAGE"))
    xmp = pdf.make_stream(XMP.replace(b"MARKER-XMP-AUTHOR", b"MARKER-XMP-PAGE"))
    xmp[pikepdf.Name.Type], xmp[pikepdf.Name.Subtype] = pikepdf.Name.Metadata, pikepdf.Name.XML
    page[pikepdf.Name.Metadata] = xmp
    attached = _embedded_file(pdf, "notes.docx", b"PK\x03\x04MARKER-ATTACHED-FILE")
    page[pikepdf.Name.Annots] = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.FileAttachment,
                Rect=[0, 0, 20, 20],
                FS=attached,
            ),
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=[20, 90, 200, 115],
                A=pikepdf.Dictionary(
                    S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/")
                ),
            ),
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=[20, 20, 200, 40],
                A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("MARKER-LAUNCH.exe")),
            ),
        ]
    )
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False)
    return buffer.getvalue()
