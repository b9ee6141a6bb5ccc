"""Sorting a request's encrypted uploads into accepted and refused, with clear reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext

from sipadu.app_context import current_settings
from sipadu.storage.uploads import EncryptedUpload, encrypted_uploads

MIB = 1024 * 1024


@dataclass(frozen=True)
class RefusedFile:
    """A file that was not accepted, and why (translatable)."""

    filename: str
    reason: Any
    code: str = "refused"


def _reason(upload: EncryptedUpload) -> Any:
    settings = current_settings()
    if upload.refusal == "too_large":
        return lazy_gettext("This file is larger than the limit of %(size)s MB.",
                            size=max(1, settings.max_file_bytes // MIB))
    if upload.refusal == "too_many":
        return lazy_gettext("Too many files: at most %(count)s files can be sent at once.",
                            count=settings.max_files)
    if upload.refusal_message is not None:
        return upload.refusal_message
    return lazy_gettext("This file could not be read. It may be damaged.")


def sort_uploads() -> tuple[list[EncryptedUpload], list[RefusedFile]]:
    """The request's uploads: accepted ones, and refused ones with their reason.

    An empty file input still sends an empty, nameless part; it is dropped silently.
    """
    accepted: list[EncryptedUpload] = []
    refused: list[RefusedFile] = []
    for upload in encrypted_uploads():
        if upload.refusal is not None:
            refused.append(RefusedFile(upload.filename, _reason(upload), upload.refusal))
        elif not upload.filename and upload.size == 0:
            upload.abort()
        else:
            accepted.append(upload)
    return accepted, refused
