"""What the PDF cleaner removes from an open document (run inside the PDF sandbox).

See :mod:`sipadu.media.pdf` for the list and the policy. This module imports nothing of
Flask, so the sandbox process starts quickly.
"""

from __future__ import annotations

import io
from typing import Any, cast

import pikepdf

from sipadu.media.base import CleaningReport, MediaCleaningError, Removed
from sipadu.media.jpeg import JpegCleaner
from sipadu.media.pdf_prune import prune, strip_actions


def clean_document(data: bytes, report: CleaningReport) -> bytes:
    """The cleaned document; ``report`` notes what was removed.

    Raises :class:`pikepdf.PasswordError` for a document that needs a password to open,
    :class:`MemoryError` when memory ran out (even where qpdf would repair around it), and
    pikepdf's or Python's errors for one that cannot be read or written.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        scrub(pdf, report)
        out = io.BytesIO()
        # Streams are copied as they are, never decoded: no decompression bombs,
        # and pictures and content stay byte for byte what the reporter sent.
        pdf.save(
            out,
            encryption=False,
            fix_metadata_version=False,
            deterministic_id=True,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
        )
        # qpdf repairs what it cannot read, and an object it ran out of memory for is one
        # of those: it would silently be left out of the document. Refuse instead.
        if any("bad_alloc" in str(warning) for warning in pdf.get_warnings()):
            raise MemoryError("qpdf ran out of memory")
    return out.getvalue()


def scrub(pdf: pikepdf.Pdf, report: CleaningReport) -> None:
    """Remove the metadata of an open document in place."""
    trailer = pdf.trailer
    if pikepdf.Name.Info in trailer:
        info = trailer.Info
        if not isinstance(info, pikepdf.Dictionary) or len(info.keys()) > 0:
            report.note_removed(Removed.DOCUMENT_INFO)
        del trailer.Info
    if pikepdf.Name.ID in trailer:
        del trailer.ID  # replaced at save by an identifier derived from the content
    prune(pdf, report)
    for obj in pdf.objects:
        _scrub_object(obj, report)


def _scrub_object(obj: Any, report: CleaningReport) -> None:
    if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        return
    strip_actions(obj, report)
    if pikepdf.Name.Metadata in obj:
        del obj[pikepdf.Name.Metadata]
        report.note_removed(Removed.XMP)
    for key in (pikepdf.Name.PieceInfo, pikepdf.Name.LastModified):
        if key in obj:
            del obj[key]
            report.note_removed(Removed.APPLICATION_DATA)
    if obj.get(pikepdf.Name.Type) == pikepdf.Name.Metadata and isinstance(obj, pikepdf.Stream):
        # An orphaned XMP stream is not written by a full rewrite once nothing refers
        # to it, but empty it anyway in case something still does.
        obj.write(b"")
    if obj.get(pikepdf.Name.Subtype) in _ANNOTATIONS_WITH_AUTHOR and pikepdf.Name.T in obj:
        del obj[pikepdf.Name.T]
        report.note_removed(Removed.ANNOTATION_AUTHORS)
    if isinstance(obj, pikepdf.Stream) and obj.get(pikepdf.Name.Filter) in (
        pikepdf.Name.DCTDecode,
        pikepdf.Array([pikepdf.Name.DCTDecode]),
    ):
        _clean_embedded_jpeg(obj, report)


def _clean_embedded_jpeg(stream: pikepdf.Stream, report: CleaningReport) -> None:
    raw = stream.read_raw_bytes()
    cleaner = JpegCleaner()
    try:
        cleaned = cleaner.feed(raw) + cleaner.finish()
    except MediaCleaningError:
        return  # not a well-formed JPEG: leave the picture as it is (viewers cope)
    if cleaner.report.removed:
        parms = stream.get(pikepdf.Name.DecodeParms)
        stream.write(
            cleaned,
            filter=pikepdf.Name.DCTDecode,
            decode_parms=cast("pikepdf.Dictionary | pikepdf.Array | None", parms),
        )
        report.note_removed(Removed.EMBEDDED_IMAGE_METADATA)


# Markup annotations carry the author's name in /T (for form fields /T is the field name).
_ANNOTATIONS_WITH_AUTHOR = {
    pikepdf.Name(n)
    for n in (
        "/Text",
        "/FreeText",
        "/Line",
        "/Square",
        "/Circle",
        "/Polygon",
        "/PolyLine",
        "/Highlight",
        "/Underline",
        "/Squiggly",
        "/StrikeOut",
        "/Stamp",
        "/Caret",
        "/Ink",
        "/FileAttachment",
        "/Sound",
        "/Redact",
        "/Popup",
    )
}
