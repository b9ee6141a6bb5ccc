"""Removing hidden data (metadata) from uploaded evidence before it is encrypted.

Use::

    cleaner = make_cleaner(filename, content_type)
    for piece in upload:
        writer.write(cleaner.feed(piece))
    writer.write(cleaner.finish())
    cleaner.report  # what was removed, for the reporter and the attachment record

The file type is decided from the first bytes of the content, never from the name or the
declared content type. See :mod:`sipadu.media.base` for the failure policy.
"""

from __future__ import annotations

from sipadu.media.base import (
    Cleaner,
    CleaningReport,
    CleaningStatus,
    FileKind,
    MediaCleaningError,
    NotCheckedReason,
    PassThroughCleaner,
    Removed,
)
from sipadu.media.sniff import (
    SNIFF_BYTES,
    CleaningLimits,
    CleaningWriter,
    determined_content_type,
    make_cleaner,
    sniff,
)

__all__ = [
    "SNIFF_BYTES",
    "Cleaner",
    "CleaningLimits",
    "CleaningReport",
    "CleaningStatus",
    "CleaningWriter",
    "FileKind",
    "MediaCleaningError",
    "NotCheckedReason",
    "PassThroughCleaner",
    "Removed",
    "determined_content_type",
    "make_cleaner",
    "sniff",
]
