"""Reading a request body of known length in pieces, straight from gunicorn's socket.

Under gunicorn the body is received from its socket directly (``sipadu.gunicorn_body``,
the one module that relies on gunicorn's internals, with a version check). Any other
server (Werkzeug's, a test client), or a gunicorn whose internals are not as verified,
gets the plain stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sipadu.gunicorn_body import direct_body_pieces

BODY_OVERDUE = "sipadu.body_total_timeout_passed"  # set by sipadu.web.slow_clients


def body_pieces(environ: dict[str, Any], length: int, piece_size: int) -> Iterator[bytes]:
    """Yield the body in pieces of at most ``piece_size`` bytes, ``length`` bytes in all,
    or fewer when the client stops sending early (the caller sees the shortfall)."""
    direct = direct_body_pieces(environ, length, piece_size)
    if direct is None:
        direct = _stream_pieces(environ["wsgi.input"], length, piece_size)
    received = 0
    for piece in direct:
        received += len(piece)
        yield piece
    if received < length and environ.get(BODY_OVERDUE):
        # Cut at the body's deadline (sipadu.web.slow_clients), not ended by the client.
        raise TimeoutError("request body incomplete at its deadline")


def _stream_pieces(source: Any, length: int, piece_size: int) -> Iterator[bytes]:
    remaining = length
    while remaining:
        piece = source.read(min(piece_size, remaining))
        if not piece:
            return
        remaining -= len(piece)
        yield piece
