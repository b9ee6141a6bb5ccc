"""PDF: remove document properties and XMP metadata with pikepdf (qpdf), in memory only.

A PDF's structure is only known once it has been read to the end, so the document is held in
memory (never on disk) up to a limit, opened with pikepdf from a ``BytesIO`` and written again
in full (no incremental update, so earlier revisions of the properties are not carried over).

Removed:
- the document information dictionary, all of it (Author, Creator, Producer, Title, Subject,
  Keywords, CreationDate, ModDate and any custom entry);
- every XMP ``/Metadata`` stream (the catalog's and those of pages, images and fonts);
- ``/PieceInfo`` (private data of the application that made the file) and ``/LastModified``;
- the author (``/T``) of comments and annotations; the comment text itself stays;
- EXIF and other metadata inside embedded JPEG pictures (cleaned with the JPEG cleaner);
- the document identifier (replaced by one computed from the cleaned content; not listed
  in the report, since every PDF has one).

Kept: pages, content, fonts, pictures, forms, bookmarks, embedded files (they are content the
reporter chose to send; their own metadata is not examined).

Policy (see DESIGN §3 and docs): a PDF larger than the limit, or one that needs a password
to open, is stored as sent with status ``not_checked`` and the reporter is told why; a file
that starts like a PDF but cannot be parsed raises :class:`MediaCleaningError`.
"""

from __future__ import annotations

import io
from typing import Any, cast

import pikepdf

from sipadu.media.base import (
    MIB,
    CleaningReport,
    CleaningStatus,
    FileKind,
    MediaCleaningError,
    NotCheckedReason,
    Removed,
)
from sipadu.media.jpeg import JpegCleaner

DEFAULT_PDF_LIMIT = 64 * MIB


class PdfCleaner:
    """See the module docstring."""

    def __init__(self, limit: int = DEFAULT_PDF_LIMIT) -> None:
        self._report = CleaningReport(FileKind.PDF)
        self._buf = bytearray()
        self._limit = limit
        self._passing_through = False

    @property
    def report(self) -> CleaningReport:
        return self._report

    def feed(self, data: bytes) -> bytes:
        if self._passing_through:
            return bytes(data)
        if len(self._buf) + len(data) > self._limit:
            self._not_checked(NotCheckedReason.TOO_LARGE)
            out = bytes(self._buf) + data
            self._buf = bytearray()
            return out
        self._buf += data
        return b""

    def finish(self) -> bytes:
        if self._passing_through:
            return b""
        original = bytes(self._buf)
        self._buf = bytearray()
        try:
            pdf = pikepdf.open(io.BytesIO(original))
        except pikepdf.PasswordError:
            self._not_checked(NotCheckedReason.ENCRYPTED)
            return original
        except (pikepdf.PdfError, ValueError, RuntimeError) as error:
            raise MediaCleaningError(FileKind.PDF, "unreadable") from error
        try:
            with pdf:
                self._scrub(pdf)
                out = io.BytesIO()
                # Streams are copied as they are, never decoded: no decompression bombs,
                # and pictures and content stay byte for byte what the reporter sent.
                pdf.save(out, encryption=False, fix_metadata_version=False,
                         deterministic_id=True,
                         stream_decode_level=pikepdf.StreamDecodeLevel.none)
        except (pikepdf.PdfError, ValueError, RuntimeError) as error:
            raise MediaCleaningError(FileKind.PDF, "unwritable") from error
        return out.getvalue()

    def _not_checked(self, reason: NotCheckedReason) -> None:
        self._passing_through = True
        self._report.status = CleaningStatus.NOT_CHECKED
        self._report.not_checked_reason = reason
        self._report.removed.clear()

    def _scrub(self, pdf: pikepdf.Pdf) -> None:
        report = self._report
        trailer = pdf.trailer
        if pikepdf.Name.Info in trailer:
            info = trailer.Info
            if not isinstance(info, pikepdf.Dictionary) or len(info.keys()) > 0:
                report.note_removed(Removed.DOCUMENT_INFO)
            del trailer.Info
        if pikepdf.Name.ID in trailer:
            del trailer.ID  # replaced at save by an identifier derived from the content
        for obj in pdf.objects:
            self._scrub_object(obj)

    def _scrub_object(self, obj: Any) -> None:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            return
        report = self._report
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
            pikepdf.Name.DCTDecode, pikepdf.Array([pikepdf.Name.DCTDecode]),
        ):
            self._clean_embedded_jpeg(obj)

    def _clean_embedded_jpeg(self, stream: pikepdf.Stream) -> None:
        raw = stream.read_raw_bytes()
        cleaner = JpegCleaner()
        try:
            cleaned = cleaner.feed(raw) + cleaner.finish()
        except MediaCleaningError:
            return  # not a well-formed JPEG: leave the picture as it is (viewers cope)
        if cleaner.report.removed:
            parms = stream.get(pikepdf.Name.DecodeParms)
            stream.write(cleaned, filter=pikepdf.Name.DCTDecode,
                         decode_parms=cast("pikepdf.Dictionary | pikepdf.Array | None", parms))
            self._report.note_removed(Removed.EMBEDDED_IMAGE_METADATA)


# Markup annotations carry the author's name in /T (for form fields /T is the field name).
_ANNOTATIONS_WITH_AUTHOR = {
    pikepdf.Name(n) for n in (
        "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine",
        "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink",
        "/FileAttachment", "/Sound", "/Redact", "/Popup",
    )
}
