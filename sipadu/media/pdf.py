"""PDF: remove document properties and XMP metadata with pikepdf (qpdf), in memory only.

A PDF's structure is only known once it has been read to the end, so the document is held in
memory (never on disk) up to a limit, opened with pikepdf from a ``BytesIO`` and written again
in full (no incremental update, so earlier revisions of the properties are not carried over).

Kept is only what a document needs to be displayed and printed; the lists of what is kept
are in :mod:`sipadu.media.pdf_prune`, and everything else is removed, whether it is known or
not. Removed:
- from the catalog, every entry but the pages, page labels, language, viewer preferences,
  named destinations and the form's fields: embedded files (``/Names /EmbeddedFiles``,
  ``/AF``, portfolios), scripts (``/Names /JavaScript``, ``/OpenAction`` unless it only goes
  to a page, ``/AA``, a form's XFA), bookmarks (their titles are free text that may name
  people), tagging (``/StructTreeRoot``), layers, private and unknown entries, and all that
  hangs from them, however large (the rewrite writes only what is still reachable);
- from pages, every entry but what is drawn and where: page scripts (``/AA``), thumbnails,
  private and unknown entries;
- annotations that carry a file or media (file attachments, sound, movie, screen, rich media,
  3D); from every other annotation and every object, scripts (``/JS``, ``/AA``) and actions
  other than going to a page, opening a web address or turning a page (a link whose action is
  removed stays and does nothing); dictionary, all of it (Author, Creator, Producer, Title, Subject,
  Keywords, CreationDate, ModDate and any custom entry);
- every XMP ``/Metadata`` stream (the catalog's and those of pages, images and fonts);
- ``/PieceInfo`` (private data of the application that made the file) and ``/LastModified``;
- the author (``/T``) of comments and annotations; the comment text itself stays;
- EXIF and other metadata inside embedded JPEG pictures (cleaned with the JPEG cleaner);
- the document identifier (replaced by one computed from the cleaned content; not listed
  in the report, since every PDF has one).

Kept: pages, content, fonts, pictures, form fields and their appearance, comments, links.
The reporter is told when embedded files, scripts or other document data were removed.

Policy: a PDF larger than the limit, or one that needs a password to open, is stored as
sent with status ``not_checked`` and the reporter is told why; a file that starts like a PDF
but cannot be parsed raises :class:`MediaCleaningError`, and so does one that cannot be
cleaned within the sandbox's memory and time limits (:mod:`sipadu.media.sandbox`): what
could not be examined is not stored.

The worker holds the document (up to the limit) and its cleaned copy (at most twice its
size plus 1 MiB); pikepdf itself runs only in the sandbox process.
"""

from __future__ import annotations

from typing import cast

from sipadu.media.base import (
    MIB,
    CleaningReport,
    CleaningStatus,
    FileKind,
    MediaCleaningError,
    NotCheckedReason,
    Removed,
)
from sipadu.media.sandbox import SandboxLimits, clean_pdf_in_sandbox

DEFAULT_PDF_LIMIT = 64 * MIB


class PdfCleaner:
    """See the module docstring."""

    def __init__(
        self, limit: int = DEFAULT_PDF_LIMIT, sandbox: SandboxLimits | None = None
    ) -> None:
        self._report = CleaningReport(FileKind.PDF)
        self._buf = bytearray()
        self._limit = limit
        self._sandbox = sandbox or SandboxLimits()
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
        original, self._buf = self._buf, bytearray()
        result = clean_pdf_in_sandbox(original, self._sandbox)
        if result.outcome == "encrypted":
            self._not_checked(NotCheckedReason.ENCRYPTED)
            return bytes(original)
        if result.outcome != "cleaned":
            raise MediaCleaningError(FileKind.PDF, result.reason or "unreadable")
        for item in result.removed:
            self._report.note_removed(Removed(item))
        # Handed on as the bytearray it was read into (callers only write it on): a copy
        # would double the worker's peak.
        return cast("bytes", result.cleaned)

    def _not_checked(self, reason: NotCheckedReason) -> None:
        self._passing_through = True
        self._report.status = CleaningStatus.NOT_CHECKED
        self._report.not_checked_reason = reason
        self._report.removed.clear()
