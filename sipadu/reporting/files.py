"""The reporter's files: form files sorted by :mod:`sipadu.uploads.sorting`, and one file
sent as a request body (the API), sorted the same way."""

from __future__ import annotations

from flask import request
from werkzeug.http import parse_options_header

from sipadu.uploads.body_upload import receive_body_upload
from sipadu.uploads.multipart import EncryptedUpload
from sipadu.uploads.sorting import FILE_FIELD, RefusedFile, refusal_reason, sort_uploads

__all__ = [
    "BODY_FILE_TYPE",
    "FILE_FIELD",
    "MissingFilenameError",
    "RefusedFile",
    "body_filename",
    "receive_body_file",
    "sort_uploads",
]

BODY_FILE_TYPE = "application/octet-stream"


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
        return [], [RefusedFile(upload.filename, refusal_reason(upload), upload.refusal)]
    return [upload], []
