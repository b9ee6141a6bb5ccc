"""The words for the reporter: what a cleaner removed, and why a file was refused.

Kept apart from :mod:`sipadu.media.base` so the PDF sandbox process never imports Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext

from sipadu.media.base import CleaningReport, CleaningStatus, FileKind, NotCheckedReason, Removed

REMOVED_LABELS: dict[Removed, Any] = {
    Removed.EXIF: lazy_gettext("EXIF data (camera, settings, dates, possibly the GPS location)"),
    Removed.XMP: lazy_gettext("XMP metadata (may name the author, software and location)"),
    Removed.IPTC: lazy_gettext("IPTC/Photoshop data (captions, author, location)"),
    Removed.COMMENT: lazy_gettext("comments stored inside the file"),
    Removed.THUMBNAIL: lazy_gettext("embedded thumbnail pictures"),
    Removed.TEXT: lazy_gettext("text fields (author, description, software)"),
    Removed.TIMESTAMP: lazy_gettext("the time the file was last changed"),
    Removed.APPLICATION_DATA: lazy_gettext("other data blocks added by apps or devices"),
    Removed.TRAILING_DATA: lazy_gettext(
        "data hidden after the end of the picture (extra images, video, device data)"
    ),
    Removed.DOCUMENT_INFO: lazy_gettext(
        "document properties (author, title, subject, keywords, creator tool, producer, dates)"
    ),
    Removed.ANNOTATION_AUTHORS: lazy_gettext("names of the authors of comments and annotations"),
    Removed.EMBEDDED_IMAGE_METADATA: lazy_gettext("metadata of pictures inside the document"),
    Removed.EMBEDDED_FILES: lazy_gettext(
        "files attached inside the document (such as an original Word file, sound or video)"
    ),
    Removed.SCRIPTS: lazy_gettext(
        "scripts and actions that run or open something when the document is opened or clicked"
    ),
    Removed.DOCUMENT_EXTRAS: lazy_gettext(
        "other data stored in the document that is not needed to show or print it "
        "(bookmarks, tags, unknown entries)"
    ),
    Removed.LOCATION: lazy_gettext("the place where it was recorded (GPS location)"),
    Removed.DEVICE_METADATA: lazy_gettext(
        "recording details (device make and model, software, other data added by the phone)"
    ),
    Removed.CREATION_TIME: lazy_gettext("the date and time it was recorded"),
    Removed.METADATA_TRACK: lazy_gettext(
        "data recorded alongside the video (such as a GPS track, captions or a timecode)"
    ),
}

STATUS_LABELS: dict[CleaningStatus, Any] = {
    CleaningStatus.CLEANED: lazy_gettext("Hidden data was removed from this file."),
    CleaningStatus.NOTHING_FOUND: lazy_gettext(
        "This file was checked and carried no hidden data that we remove."
    ),
    CleaningStatus.NOT_SUPPORTED: lazy_gettext(
        "This file was stored as sent; check it for hidden data."
    ),
    CleaningStatus.NOT_CHECKED: lazy_gettext(
        "This file could not be checked for hidden data and was stored as sent."
    ),
}

NOT_CHECKED_LABELS: dict[NotCheckedReason, Any] = {
    NotCheckedReason.TOO_LARGE: lazy_gettext("The document is too large to be checked."),
    NotCheckedReason.ENCRYPTED: lazy_gettext(
        "The document is protected by a password, so it cannot be opened to be cleaned."
    ),
}


DAMAGED_MESSAGE = lazy_gettext(
    "This file appears to be damaged or incomplete, so its hidden data (such as location or "
    "author) could not be removed. It was not stored. Open it on your device, save or export "
    "it again, and send the new copy."
)
TOO_LARGE_MESSAGE = lazy_gettext(
    "This picture is too large to be cleaned of hidden data, so it was not stored. "
    "Send a smaller copy (for example a screenshot or an exported JPEG)."
)


TOO_COMPLEX_MESSAGE = lazy_gettext(
    "This file is built in an unusually complex way, so its hidden data (such as location "
    "or author) could not be removed within safe limits. It was not stored. Open it on your "
    "device, save or export it again (a document can be printed to a new PDF), and send the "
    "new copy."
)

VIDEO_TOO_LARGE_MESSAGE = lazy_gettext(
    "This video is too large to be cleaned of hidden data (such as the place where it was "
    "recorded), so it was not stored. Send a shorter clip, or split the video into parts."
)
UNSUPPORTED_LAYOUT_MESSAGE = lazy_gettext(
    "This photo or video is saved in a form whose hidden data (such as location) SIPADU "
    "cannot remove, so it was not stored. Share it from your phone's gallery or camera app "
    "again, or take a screenshot, and send that copy."
)
EXECUTABLE_MESSAGE = lazy_gettext(
    "Programs and installers (such as .exe or .apk files) cannot be sent, because they could "
    "harm the computers of the people who open them. Send photos, videos or documents instead."
)

# Refusals for going over a resource limit or of a kind of file; every other reason means
# a damaged file.
_REASON_MESSAGES: dict[str, Any] = {
    "too_large": TOO_LARGE_MESSAGE,
    "video_too_large": VIDEO_TOO_LARGE_MESSAGE,
    "unsupported_layout": UNSUPPORTED_LAYOUT_MESSAGE,
    "executable": EXECUTABLE_MESSAGE,
    "too_many_structures": TOO_COMPLEX_MESSAGE,
    "over_memory_limit": TOO_COMPLEX_MESSAGE,
    "over_time_limit": TOO_COMPLEX_MESSAGE,
    "output_too_large": TOO_COMPLEX_MESSAGE,
}


def message_for_reason(reason: str) -> Any:
    """The sentence for a refusal with this machine-readable reason."""
    return _REASON_MESSAGES.get(reason, DAMAGED_MESSAGE)


def describe_stored_cleaning(cleaning: Mapping[str, object]) -> list[Any]:
    """The reporter's lines for a stored file's cleaning record (``CleaningReport.as_dict``);
    values this version does not know are left out, a record without a status gives none."""
    try:
        report = CleaningReport(
            FileKind(str(cleaning.get("kind", FileKind.OTHER))),
            CleaningStatus(str(cleaning.get("status"))),
        )
    except ValueError:
        return []
    reason = cleaning.get("not_checked_reason")
    if reason in set(NotCheckedReason):
        report.not_checked_reason = NotCheckedReason(str(reason))
    removed = cleaning.get("removed")
    for item in removed if isinstance(removed, list) else []:
        if item in set(Removed):
            report.removed.append(Removed(str(item)))
    return report.describe()
