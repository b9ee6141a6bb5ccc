"""A decrypted attachment as an HTTP download: always ``attachment``, never shown inline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

from flask import Response

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name per RFC 5987."""
    fallback = _UNSAFE_NAME.sub("_", filename).strip("._")[:100] or "lampiran"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(chunks: Iterator[bytes], filename: str, size: int | None) -> Response:
    """Stream ``chunks`` as a download of ``filename`` (``size`` bytes when known)."""
    response = Response(chunks, mimetype="application/octet-stream", direct_passthrough=True)
    if size is not None:
        # With a length gunicorn sends each chunk as it is instead of framing it (chunked
        # encoding copies it once more), and a download cut short by a failed
        # authentication is visibly short to the client.
        response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
