"""Reading a request body of known length in pieces, straight from gunicorn's socket.

gunicorn's ``wsgi.input`` copies every byte through two ``BytesIO`` buffers (its read-ahead
and the leftovers of each read): on a large upload that is over a third of the worker's
time. Under gunicorn's own body reader for a ``Content-Length`` body, the bytes it has
already read ahead are taken from it and the rest is received from the socket directly;
what was consumed is subtracted from its count, so gunicorn's view of the connection stays
right. Any other server (Werkzeug's, a test client) gets the plain stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def body_pieces(environ: dict[str, Any], length: int, piece_size: int) -> Iterator[bytes]:
    """Yield the body in pieces of at most ``piece_size`` bytes, ``length`` bytes in all,
    or fewer when the client stops sending early (the caller sees the shortfall)."""
    direct = _gunicorn_length_reader(environ, length)
    if direct is None:
        yield from _stream_pieces(environ["wsgi.input"], length, piece_size)
    else:
        yield from _socket_pieces(*direct, length, piece_size)


def _stream_pieces(source: Any, length: int, piece_size: int) -> Iterator[bytes]:
    remaining = length
    while remaining:
        piece = source.read(min(piece_size, remaining))
        if not piece:
            return
        remaining -= len(piece)
        yield piece


def _gunicorn_length_reader(environ: dict[str, Any], length: int) -> tuple[Any, Any] | None:
    """gunicorn's socket and length reader, when the body is untouched and read by them."""
    try:
        from gunicorn.http.body import Body, LengthReader
        from gunicorn.http.unreader import SocketUnreader
    except ImportError:
        return None
    body, sock = environ.get("wsgi.input"), environ.get("gunicorn.socket")
    if not isinstance(body, Body) or body.buf.getbuffer().nbytes:
        return None
    reader = body.reader
    if not isinstance(reader, LengthReader) or reader.length != length:
        return None
    unreader = reader.unreader
    if (
        not isinstance(unreader, SocketUnreader)
        or unreader.sock is not sock
        or not hasattr(unreader, "take_buffered")
    ):
        return None
    return sock, reader


def _socket_pieces(sock: Any, reader: Any, length: int, piece_size: int) -> Iterator[bytes]:
    held: bytes = reader.unreader.take_buffered()
    if len(held) > length:  # bytes of a pipelined next request go back
        reader.unreader.unread(held[length:])
        held = held[:length]
    consumed = 0
    try:
        if held:
            consumed += len(held)
            yield held
        while consumed < length:
            piece = sock.recv(min(piece_size, length - consumed))
            if not piece:
                return
            consumed += len(piece)
            yield piece
    finally:
        reader.length -= consumed
