"""Sorting a request's encrypted uploads into accepted and refused files, each refusal with
a clear, translatable reason; and file sizes as people read them.

Shared by every form that takes files: the reporter's report and evidence forms and API, and
the staff form that sends files to the reporter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import format_decimal, lazy_gettext, lazy_ngettext

from sipadu.uploads.multipart import EncryptedUpload, current_upload_limits, encrypted_uploads

FILE_FIELD = "attachments"
KIB = 1024
MIB = 1024 * KIB


def format_size(size: int) -> str:
    """``size`` bytes as the reporter reads it: "1 MB", "1,5 MB" (in Indonesian), "64 KB"."""
    if size >= MIB:
        value, unit = size / MIB, "MB"
    else:
        value, unit = max(1, size // KIB), "KB"
    rounded = math.floor(value * 10) / 10
    return f"{format_decimal(rounded, format='#,##0.#')} {unit}"


@dataclass(frozen=True)
class RefusedFile:
    """A file that was not accepted, and why (translatable)."""

    filename: str
    reason: Any
    code: str = "refused"


def refusal_reason(upload: EncryptedUpload) -> Any:
    # The limits this request enforced: the refusal names the limit that refused the file.
    limits = current_upload_limits()
    if upload.refusal == "too_large":
        return lazy_gettext(
            "This file is larger than the limit of %(size)s.",
            size=format_size(limits.max_file_bytes),
        )
    if upload.refusal == "too_many":
        return lazy_ngettext(
            "Too many files: at most %(num)d file can be sent at once.",
            "Too many files: at most %(num)d files can be sent at once.",
            limits.max_files,
        )
    if upload.refusal == "incomplete":
        return lazy_gettext("This file arrived incomplete. Please send it again.")
    if upload.refusal == "empty":
        return lazy_gettext("This file is empty (0 bytes). Choose the file again, or another copy.")
    if upload.refusal == "unexpected_field":
        return lazy_gettext("This file was not sent through the attachments field.")
    if upload.refusal_message is not None:
        return upload.refusal_message
    return lazy_gettext("This file could not be read. It may be damaged.")


def sort_uploads() -> tuple[list[EncryptedUpload], list[RefusedFile]]:
    """The request's uploads: accepted ones, and refused ones with their reason.

    An empty file input still sends an empty, nameless part; it is dropped silently. A named
    file of 0 bytes is refused (a phone that had not finished saving it, a broken copy). Files
    only come through the ``attachments`` field: a file part under any other name (or none)
    is refused rather than stored unseen by the form that should have described it.
    """
    accepted: list[EncryptedUpload] = []
    refused: list[RefusedFile] = []
    uploads = encrypted_uploads()
    expected = {id(part.stream) for part in request.files.getlist(FILE_FIELD)}
    for upload in uploads:
        if upload.refusal is None and id(upload) not in expected:
            upload.refuse("unexpected_field")
        if upload.refusal is None and upload.size == 0:
            if not upload.filename:
                upload.abort()
                continue
            upload.refuse("empty")
        if upload.refusal is not None:
            refused.append(RefusedFile(upload.filename, refusal_reason(upload), upload.refusal))
        else:
            accepted.append(upload)
    return accepted, refused
