"""Choosing a cleaner from the first bytes of a file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sipadu.media.base import (
    Cleaner,
    CleaningReport,
    CleaningStatus,
    FileKind,
    PassThroughCleaner,
    RefusingCleaner,
)
from sipadu.media.bmff import DEFAULT_BMFF_LIMIT, BmffCleaner, kind_of
from sipadu.media.jpeg import JpegCleaner
from sipadu.media.pdf import DEFAULT_PDF_LIMIT, PdfCleaner
from sipadu.media.png import SIGNATURE as PNG_SIGNATURE
from sipadu.media.png import PngCleaner
from sipadu.media.sandbox import SandboxLimits
from sipadu.media.webp import DEFAULT_WEBP_LIMIT, WebpCleaner

SNIFF_BYTES = 16  # enough for every signature below


@dataclass(frozen=True)
class CleaningLimits:
    """How much of a file may be held in memory for the formats that need the whole file,
    and what cleaning a PDF may cost (its sandbox's limits)."""

    webp_max_bytes: int = DEFAULT_WEBP_LIMIT
    pdf_max_bytes: int = DEFAULT_PDF_LIMIT
    bmff_max_bytes: int = DEFAULT_BMFF_LIMIT
    pdf_sandbox: SandboxLimits = field(default_factory=SandboxLimits)


def sniff(head: bytes) -> FileKind:
    """The file type from its first bytes (up to :data:`SNIFF_BYTES`)."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(PNG_SIGNATURE):
        return FileKind.PNG
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return FileKind.WEBP
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(_PROGRAM_SIGNATURES):
        return FileKind.EXECUTABLE
    return kind_of(head) or FileKind.OTHER


# Windows (MZ), Linux (ELF) and macOS (Mach-O, both byte orders and widths) programs, and
# scripts that name their interpreter.
_PROGRAM_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"#!",
)
# Names of programs and installers that do not show it in their first bytes (an Android
# package is a ZIP file; Windows scripts are text).
PROGRAM_SUFFIXES = frozenset(
    {".exe", ".msi", ".com", ".scr", ".bat", ".cmd", ".ps1", ".vbs", ".apk", ".xapk", ".jar"}
    | {".dll", ".sys", ".cpl", ".lnk", ".hta", ".jse", ".wsf", ".msix", ".appx", ".dmg"}
)
_BMFF = (FileKind.HEIF, FileKind.MP4, FileKind.MOV, FileKind.THREE_GP)


def cleaner_for(kind: FileKind, limits: CleaningLimits | None = None) -> Cleaner:
    """A fresh cleaner for a known file type."""
    limits = limits or CleaningLimits()
    if kind is FileKind.JPEG:
        return JpegCleaner()
    if kind is FileKind.PNG:
        return PngCleaner()
    if kind is FileKind.WEBP:
        return WebpCleaner(limits.webp_max_bytes)
    if kind is FileKind.PDF:
        return PdfCleaner(limits.pdf_max_bytes, limits.pdf_sandbox)
    if kind in _BMFF:
        return BmffCleaner(kind, limits.bmff_max_bytes)
    if kind is FileKind.EXECUTABLE:
        return RefusingCleaner(kind, "executable")
    return PassThroughCleaner()


class SniffingCleaner:
    """Holds back the first :data:`SNIFF_BYTES` bytes, then hands everything to the right cleaner.

    A file shorter than that is judged on what there is when it ends.
    """

    def __init__(self, limits: CleaningLimits | None = None) -> None:
        self._limits = limits
        self._head = bytearray()
        self._inner: Cleaner | None = None

    @property
    def report(self) -> CleaningReport:
        if self._inner is None:
            return CleaningReport(sniff(bytes(self._head)))
        return self._inner.report

    @property
    def kind(self) -> FileKind | None:
        """The chosen type, once known."""
        return None if self._inner is None else self._inner.report.kind

    def feed(self, data: bytes) -> bytes:
        if self._inner is not None:
            return self._inner.feed(data)
        self._head += data
        if len(self._head) < SNIFF_BYTES:
            return b""
        return self._choose()

    def finish(self) -> bytes:
        out = self._choose() if self._inner is None else b""
        assert self._inner is not None  # noqa: S101 (set by _choose)
        tail = self._inner.finish()
        return out + tail if out else tail  # no copy of a whole cleaned PDF

    def _choose(self) -> bytes:
        head = bytes(self._head)
        self._head = bytearray()
        self._inner = cleaner_for(sniff(head), self._limits)
        return self._inner.feed(head)


def make_cleaner(
    filename: str,
    content_type: str | None,
    first_bytes: bytes | None = None,
    *,
    limits: CleaningLimits | None = None,
) -> Cleaner:
    """A cleaner for one uploaded file, chosen by its content.

    ``filename`` and ``content_type`` are what the client claims; they are not trusted and
    do not influence the choice (a PNG named ``.jpg`` is cleaned as PNG), except that a
    name ending like a program's (``.exe``, ``.apk``) refuses the file whatever it holds.
    ``first_bytes`` is an optional peek at the start of the file when the caller already has
    it: it only helps choose early, and the caller still feeds the whole file from its first byte.
    Without it (or with fewer than :data:`SNIFF_BYTES` bytes) the returned cleaner holds
    back the first bytes until it can choose.
    """
    del content_type  # deliberately unused: the content decides
    if is_program_name(filename):
        return RefusingCleaner(FileKind.EXECUTABLE, "executable")
    if first_bytes is not None and len(first_bytes) >= SNIFF_BYTES:
        return cleaner_for(sniff(first_bytes[:SNIFF_BYTES]), limits)
    return SniffingCleaner(limits)


def is_program_name(filename: str) -> bool:
    """Whether a file name ends like a program's or an installer's."""
    name = filename.strip().rstrip(". ").lower()
    return any(name.endswith(suffix) for suffix in PROGRAM_SUFFIXES)


class _Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


class CleaningWriter:
    """A write-only file-like object that cleans each piece and passes it on to ``sink``.

    Meant to sit between an upload parser (which calls :meth:`write` as the body arrives)
    and the encrypting writer (the ``sink``). Call :meth:`finish` once the part is complete;
    it flushes the rest and returns the report. :class:`MediaCleaningError` propagates from
    either call: the caller must then discard whatever the sink received.
    """

    def __init__(self, cleaner: Cleaner, sink: _Sink) -> None:
        self.cleaner = cleaner
        self._sink = sink
        self._finished = False

    def write(self, data: bytes) -> int:
        if self._finished:
            raise ValueError("write after finish")
        out = self.cleaner.feed(bytes(data))
        if out:
            self._sink.write(out)
        return len(data)

    def finish(self) -> CleaningReport:
        if not self._finished:
            self._finished = True
            out = self.cleaner.finish()
            if out:
                self._sink.write(out)
        return self.cleaner.report


# The type of a file SIPADU cleaned, as it determined it from the bytes. A file stored as
# sent is ``application/octet-stream``: what it really is was not established, and the
# type its uploader declared is a claim (a "picture" may be a web page with a script).
_CLEANED_TYPES = {
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.WEBP: "image/webp",
    FileKind.PDF: "application/pdf",
    FileKind.HEIF: "image/heif",
    FileKind.MP4: "video/mp4",
    FileKind.MOV: "video/quicktime",
    FileKind.THREE_GP: "video/3gpp",
}
STORED_AS_SENT_TYPE = "application/octet-stream"


def determined_content_type(cleaning: Mapping[str, object]) -> str:
    """The content type for a stored file, from its cleaning report (``as_dict`` form)."""
    if cleaning.get("status") not in (CleaningStatus.CLEANED, CleaningStatus.NOTHING_FOUND):
        return STORED_AS_SENT_TYPE
    try:
        return _CLEANED_TYPES.get(FileKind(str(cleaning.get("kind"))), STORED_AS_SENT_TYPE)
    except ValueError:
        return STORED_AS_SENT_TYPE
