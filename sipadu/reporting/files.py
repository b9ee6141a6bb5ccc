"""Sorting a request's encrypted uploads into accepted and refused, with clear reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import lazy_gettext
from werkzeug.http import parse_options_header

from sipadu.reporting.upload_limits import format_size
from sipadu.uploads.body_upload import receive_body_upload
from sipadu.uploads.multipart import EncryptedUpload, current_upload_limits, encrypted_uploads

FILE_FIELD = "attachments"
BODY_FILE_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class RefusedFile:
    """A file that was not accepted, and why (translatable)."""

    filename: str
    reason: Any
    code: str = "refused"


def _reason(upload: EncryptedUpload) -> Any:
    # The limits this request enforced: the refusal names the limit that refused the file.
    limits = current_upload_limits()
    if upload.refusal == "too_large":
        return lazy_gettext(
            "This file is larger than the limit of %(size)s.",
            size=format_size(limits.max_file_bytes),
        )
    if upload.refusal == "too_many":
        return lazy_gettext(
            "Too many files: at most %(count)s files can be sent at once.", count=limits.max_files
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
            refused.append(RefusedFile(upload.filename, _reason(upload), upload.refusal))
        else:
            accepted.append(upload)
    return accepted, refused


class MissingFilenameError(ValueError):
    """A file sent as the request body did not name itself in ``Content-Disposition``."""


def body_filename() -> str:
    """The file name of a body upload: ``Content-Disposition: attachment; filename*=…``.

    ``filename*`` (RFC 8187, UTF-8) wins over ``filename``; Werkzeug decodes both.
    Raises :class:`MissingFilenameError` when neither is there.
    """
    _value, options = parse_options_header(request.headers.get("Content-Disposition", ""))
    name = options.get("filename", "")
    if not name.strip():
        raise MissingFilenameError()
    return name


def receive_body_file(filename: str) -> tuple[list[EncryptedUpload], list[RefusedFile]]:
    """The request body as one file, sorted like :func:`sort_uploads` sorts form files
    (an empty body names a file, so it is refused as an empty file)."""
    upload = receive_body_upload(filename)
    if upload.refusal is None and upload.size == 0:
        upload.refuse("empty")
    if upload.refusal is not None:
        return [], [RefusedFile(upload.filename, _reason(upload), upload.refusal)]
    return [upload], []
