"""The shape every metadata cleaner has, the report it keeps and the error it raises.

It imports nothing of Flask (the words for the reporter are in :mod:`sipadu.media.labels`),
so the PDF sandbox process starts quickly.

A cleaner is a streaming filter: the upload pipeline feeds it the file's bytes in pieces as
they arrive and passes what it returns straight to the encrypting writer. Nothing is written
to disk. Feeding a file in one piece or in pieces of any sizes gives the same output.

Failure policy: a file of a type we clean (JPEG, PNG, WebP, PDF, HEIF, MP4/MOV/3GP) that
cannot be parsed, or cannot be cleaned within the resource bounds (absurdly many segments,
chunks or boxes, a PDF over its sandbox's limits, a video over its memory limit), raises
:class:`MediaCleaningError`, and the upload must be refused. Programs are always refused.
We never store such a file as sent, because its metadata would go through unexamined. The
only files stored as sent are those of a type we do not clean (``not_supported``) and PDFs
we deliberately could not open (too large, password protected: ``not_checked``); the
reporter is told so for each file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

MIB = 1024 * 1024


class CleaningStatus(enum.StrEnum):
    """What happened to a file, machine-readable (stored with the attachment, shown in words)."""

    CLEANED = "cleaned"  # a supported type; metadata was found and removed
    NOTHING_FOUND = "nothing_found"  # a supported type; it carried no metadata we remove
    NOT_SUPPORTED = "not_supported"  # a type we do not clean; stored exactly as sent
    NOT_CHECKED = "not_checked"  # a PDF we could not open (too large, encrypted); as sent


class FileKind(enum.StrEnum):
    """The file type, decided from its first bytes, never from its name or declared type."""

    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    PDF = "pdf"
    HEIF = "heif"  # HEIF/HEIC/AVIF photos
    MP4 = "mp4"
    MOV = "mov"  # QuickTime, as iPhones record
    THREE_GP = "3gp"
    EXECUTABLE = "executable"  # a program: always refused
    OTHER = "other"


class Removed(enum.StrEnum):
    """Kinds of hidden data a cleaner removes (machine-readable, described in words below)."""

    EXIF = "exif"
    XMP = "xmp"
    IPTC = "iptc"
    COMMENT = "comment"
    THUMBNAIL = "thumbnail"
    TEXT = "text"
    TIMESTAMP = "timestamp"
    APPLICATION_DATA = "application_data"
    TRAILING_DATA = "trailing_data"
    DOCUMENT_INFO = "document_info"
    ANNOTATION_AUTHORS = "annotation_authors"
    EMBEDDED_IMAGE_METADATA = "embedded_image_metadata"
    EMBEDDED_FILES = "embedded_files"
    SCRIPTS = "scripts"
    DOCUMENT_EXTRAS = "document_extras"
    LOCATION = "location"
    DEVICE_METADATA = "device_metadata"
    CREATION_TIME = "creation_time"
    METADATA_TRACK = "metadata_track"


class NotCheckedReason(enum.StrEnum):
    """Why a PDF was stored as sent."""

    TOO_LARGE = "too_large"
    ENCRYPTED = "encrypted"


@dataclass
class CleaningReport:
    """What a cleaner did to one file. Holds no file content and no metadata values."""

    kind: FileKind
    status: CleaningStatus = CleaningStatus.NOTHING_FOUND
    removed: list[Removed] = field(default_factory=list)
    not_checked_reason: NotCheckedReason | None = None

    @property
    def cleanable(self) -> bool:
        """Whether SIPADU cleans files of this type at all."""
        return self.kind not in (FileKind.OTHER, FileKind.EXECUTABLE)

    def note_removed(self, item: Removed) -> None:
        """Record one kind of removed data (each kind once, in the order found)."""
        if item not in self.removed:
            self.removed.append(item)
        self.status = CleaningStatus.CLEANED

    def describe(self) -> list[Any]:
        """Lines for the reporter, in the request's language (lazy strings)."""
        from sipadu.media.labels import NOT_CHECKED_LABELS, REMOVED_LABELS, STATUS_LABELS

        lines: list[Any] = [STATUS_LABELS[self.status]]
        if self.not_checked_reason is not None:
            lines.append(NOT_CHECKED_LABELS[self.not_checked_reason])
        lines.extend(REMOVED_LABELS[item] for item in self.removed)
        return lines

    def as_dict(self) -> dict[str, object]:
        """A JSON-able form (for the API and for storage next to the attachment)."""
        return {
            "kind": self.kind.value,
            "cleanable": self.cleanable,
            "status": self.status.value,
            "removed": [item.value for item in self.removed],
            "not_checked_reason": (
                self.not_checked_reason.value if self.not_checked_reason else None
            ),
        }


class MediaCleaningError(Exception):
    """A file we must clean could not be cleaned; the upload must be refused.

    ``reason`` is a short machine-readable code for logs and tests (never file content);
    ``message`` is a lazy, translatable sentence for the reporter.
    """

    def __init__(self, kind: FileKind, reason: str, message: Any | None = None) -> None:
        super().__init__(f"{kind.value}: {reason}")
        self.kind = kind
        self.reason = reason
        self._message = message

    @property
    def message(self) -> Any:
        """The sentence for the reporter: the one given, else the one for ``reason``."""
        if self._message is not None:
            return self._message
        # Imported here: the PDF sandbox uses this module and must start without Flask.
        from sipadu.media.labels import message_for_reason

        return message_for_reason(self.reason)


@runtime_checkable
class Cleaner(Protocol):
    """A streaming metadata filter for one file.

    Call :meth:`feed` with each piece of the file in order, pass on what it returns, then call
    :meth:`finish` once and pass on what it returns. Either may raise
    :class:`MediaCleaningError`, after which the output so far must be discarded.
    """

    @property
    def report(self) -> CleaningReport:
        """What was removed so far (complete after :meth:`finish`)."""
        ...

    def feed(self, data: bytes) -> bytes:
        """Take the next piece of the file; return cleaned bytes that may be passed on now."""
        ...

    def finish(self) -> bytes:
        """End of file: return the remaining cleaned bytes, or raise if the file is cut short."""
        ...


class PassThroughCleaner:
    """Files of a type we do not clean: every byte goes through unchanged."""

    def __init__(self) -> None:
        self._report = CleaningReport(FileKind.OTHER, CleaningStatus.NOT_SUPPORTED)

    @property
    def report(self) -> CleaningReport:
        return self._report

    def feed(self, data: bytes) -> bytes:
        return bytes(data)

    def finish(self) -> bytes:
        return b""


class RefusingCleaner:
    """Files never stored (programs): refused at their first byte, nothing passed on."""

    def __init__(self, kind: FileKind, reason: str) -> None:
        self._report = CleaningReport(kind, CleaningStatus.NOT_SUPPORTED)
        self._reason = reason

    @property
    def report(self) -> CleaningReport:
        return self._report

    def feed(self, data: bytes) -> bytes:
        raise MediaCleaningError(self._report.kind, self._reason)

    def finish(self) -> bytes:
        raise MediaCleaningError(self._report.kind, self._reason)


class SteppingCleaner:
    """Shared driver of the streaming JPEG and PNG cleaners: buffer what arrives, let the
    format's ``_step`` consume whole structures, drop anything after the end of the image."""

    kind: FileKind

    def __init__(self) -> None:
        self._report = CleaningReport(self.kind)
        self._buf = bytearray()
        self._state = "start"
        self._fed = 0
        self._structures = 0

    @property
    def report(self) -> CleaningReport:
        """What was removed so far."""
        return self._report

    def feed(self, data: bytes) -> bytes:
        """Clean the next piece; returns the bytes that may be passed on now."""
        if self._state == "trailer":
            if data:
                self._report.note_removed(Removed.TRAILING_DATA)
            return b""
        self._fed += len(data)
        self._buf += data
        out = bytearray()
        while self._step(out):
            pass
        return bytes(out)

    def finish(self) -> bytes:
        """The file ended: it must have reached the end of the image."""
        if self._state != "trailer":
            raise MediaCleaningError(self.kind, "truncated")
        return b""

    def _step(self, out: bytearray) -> bool:
        """Consume one structure from the buffer into ``out``; False means: wait for more."""
        raise NotImplementedError

    def count_structure(self) -> None:
        """Count one segment, marker or chunk; refuse a file made of absurdly many.

        Each costs a few Python steps, so a file of nothing but tiny ones (empty PNG
        chunks, empty JPEG comments) would cost hundreds of times a normal file. Allowed:
        :data:`FREE_STRUCTURES`, plus one per :data:`BYTES_PER_STRUCTURE` bytes received
        (real files use a few dozen, or one per 8-64 KiB of picture data).
        """
        self._structures += 1
        if self._structures > structure_allowance(self._fed):
            raise MediaCleaningError(self.kind, "too_many_structures")


FREE_STRUCTURES = 4096
BYTES_PER_STRUCTURE = 256


def structure_allowance(size: int) -> int:
    """How many segments or chunks a file of ``size`` bytes may have (see above)."""
    return FREE_STRUCTURES + size // BYTES_PER_STRUCTURE
