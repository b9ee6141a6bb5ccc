"""The upload limits in force, and how they are told to the reporter.

There is one source: the limits an admin saved in the console, or the environment's while no
admin saved any. The refusal of a file and every text that names a limit (the form hints, the
refusal on the page, the API's JSON error) read the same value, so a reporter is never told
"100 MB" while 1 MB is enforced. Sizes are shown in one style: MB and KB of 1024 * 1024 and
1024 bytes, rounded down to one decimal (a limit is never shown larger than it is).
"""

from __future__ import annotations

from flask import g
from sqlalchemy.orm import Session

from sipadu.db import db_session
from sipadu.effective_settings import effective_settings
from sipadu.media.bmff import DEFAULT_BMFF_LIMIT
from sipadu.uploads.multipart import UploadLimits
from sipadu.uploads.sorting import format_size

__all__ = ["effective_upload_limits", "format_size", "shown_upload_limits", "upload_limit_texts"]


def effective_upload_limits(db: Session) -> UploadLimits:
    """The admin console's limits once an admin saved settings; else the environment's."""
    current = effective_settings(db)
    return UploadLimits(current.max_file_bytes, current.max_files)


def shown_upload_limits() -> UploadLimits:
    """The limits to name on a page: those this request enforced when it received files,
    else the effective ones (read without caching them, so the upload path still commits
    before its body streams in)."""
    enforced: UploadLimits | None = g.get("upload_limits")
    return enforced if enforced is not None else effective_upload_limits(db_session())


def upload_limit_texts() -> dict[str, object]:
    """What templates show: the file count and the largest file, formatted."""
    limits = shown_upload_limits()
    return {
        "max_files": limits.max_files,
        "max_file_size": format_size(limits.max_file_bytes),
        "video_clean_size": format_size(min(DEFAULT_BMFF_LIMIT, limits.max_file_bytes)),
    }
