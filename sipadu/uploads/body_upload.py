"""A file sent as the whole request body (``application/octet-stream``), encrypted as read.

The reporter API's body upload skips Werkzeug's multipart parser and its limiting stream
(together three to four copies of every byte): the body is read in large pieces, from
gunicorn's socket directly where it can be (``body_source``), and goes through the same
cleaning, encryption and limits as a multipart file part (``uploads.start_upload``).
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import LengthRequired

from sipadu.uploads.body_source import body_pieces
from sipadu.uploads.multipart import EncryptedUpload, start_upload

# gunicorn's own largest read.
BODY_READ_SIZE = 1024 * 1024


def receive_body_upload(filename: str) -> EncryptedUpload:
    """The whole request body as one file (``application/octet-stream``), encrypted as read.

    The body must declare its length (411 otherwise). A body longer than the file limit is
    refused before a byte is read; one that ends early is refused as incomplete. It is read
    from the server's input directly (under gunicorn, its socket: ``body_source``), in
    pieces of at most :data:`BODY_READ_SIZE`: the length is checked here, and Werkzeug's
    limiting wrapper would copy every piece twice.
    """
    length = request.content_length
    if length is None:
        raise LengthRequired()
    upload = start_upload(filename, request.mimetype)
    if length > upload.max_bytes or length > (request.max_content_length or length):
        upload.refuse("too_large")
        return upload
    received = 0
    for piece in body_pieces(request.environ, length, BODY_READ_SIZE):
        received += len(piece)
        upload.write(piece)
        if upload.refusal is not None:
            break
    else:
        if received < length:
            upload.refuse("incomplete")
    upload.finish()
    return upload
