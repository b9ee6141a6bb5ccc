"""A request body read straight from gunicorn's socket: the one place SIPADU relies on
gunicorn's internals.

gunicorn's ``wsgi.input`` copies every byte through two ``BytesIO`` buffers (its read-ahead
and the leftovers of each read): on a large upload that is over a third of the worker's
time. Under gunicorn's own body reader for a ``Content-Length`` body, the bytes it has
already read ahead are taken from it and the rest is received from the socket directly;
what was consumed is subtracted from its count, so gunicorn's view of the connection stays
right.

The objects used (``Body.buf`` and ``.reader``, ``LengthReader.length`` and ``.unreader``,
``SocketUnreader.sock``, ``.take_buffered()`` and ``.unread()``) are not gunicorn's public
API. They were verified against the releases in :data:`VERIFIED_RELEASES`. Under another
release, or when they are not shaped as expected, :func:`direct_body_pieces` returns
``None`` so the caller reads ``wsgi.input`` as with any other server, and the reason is
logged once per process: uploads keep working, only slower.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

# gunicorn (major, minor) releases whose internals were checked against this module.
VERIFIED_RELEASES = frozenset({(27, 0)})

_fallback_logged = False


def direct_body_pieces(
    environ: dict[str, Any], length: int, piece_size: int
) -> Iterator[bytes] | None:
    """The body's ``length`` bytes in pieces of at most ``piece_size``, received from
    gunicorn's socket; ``None`` when the body must be read from ``wsgi.input`` instead
    (another server, a body already partly read, or gunicorn internals not as verified).

    Fewer bytes come when the client stops sending early (the caller sees the shortfall).
    """
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return None  # another server: Werkzeug's, a test client
    body: Any = environ.get("wsgi.input")
    problem = _unexpected_internals(body)
    if problem is not None:
        _log_fallback_once(problem)
        return None
    reader = body.reader
    if not _reads_this_untouched_body(body, reader, sock, length):
        return None
    return _socket_pieces(sock, reader, length, piece_size)


def _unexpected_internals(body: Any) -> str | None:
    """Why gunicorn's body objects are not the ones verified, or None when they are."""
    try:
        import gunicorn
        from gunicorn.http.body import Body, LengthReader
    except ImportError:
        return "gunicorn's body classes cannot be imported"
    release = tuple(getattr(gunicorn, "version_info", ())[:2])
    if release not in VERIFIED_RELEASES:
        version = getattr(gunicorn, "__version__", "?")
        return f"gunicorn {version} is not a release this module was verified with"
    if not isinstance(body, Body):
        return "wsgi.input is not gunicorn's Body"
    if not isinstance(getattr(body, "buf", None), io.BytesIO) or not hasattr(body, "reader"):
        return "gunicorn's Body has no buf or reader"
    if not isinstance(body.reader, LengthReader):
        return None  # not a Content-Length body: read through wsgi.input, as intended
    unreader = getattr(body.reader, "unreader", None)
    if not isinstance(getattr(body.reader, "length", None), int) or unreader is None:
        return "gunicorn's LengthReader has no length or unreader"
    if not all(callable(getattr(unreader, name, None)) for name in ("take_buffered", "unread")):
        return "gunicorn's SocketUnreader has no take_buffered() or unread()"
    return None


def _reads_this_untouched_body(body: Any, reader: Any, sock: Any, length: int) -> bool:
    """Whether gunicorn's length reader alone reads this body, from this request's socket,
    and nothing of it has been read yet."""
    from gunicorn.http.body import LengthReader
    from gunicorn.http.unreader import SocketUnreader

    return (
        isinstance(reader, LengthReader)
        and isinstance(reader.unreader, SocketUnreader)
        and getattr(reader.unreader, "sock", None) is sock
        and reader.length == length
        and not body.buf.getbuffer().nbytes
    )


def _log_fallback_once(reason: str) -> None:
    """Log, once per process, why bodies are read through ``wsgi.input``."""
    global _fallback_logged
    if not _fallback_logged:
        _fallback_logged = True
        logger.warning("Request bodies are read through wsgi.input: %s", reason)


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
