"""A client that stops sending its request body: cut after a quiet spell, nothing kept.

gunicorn's threaded workers serve several requests per process, so a slow upload holds one
thread, not the whole server. A client that sends nothing at all for
``SIPADU_BODY_READ_TIMEOUT`` seconds would still hold its thread for as long as the
connection stays open; so while a request with a body is being handled, its socket gets a
read timeout. When it strikes (in Werkzeug's form parser, the JSON reader or the direct body
reader alike) the request is answered 408, everything it had stored is thrown away (the
transaction, and every published or temporary blob), and the socket's reading side is shut
so gunicorn closes the connection instead of waiting for the rest of the body.

A client that sends a byte now and then never trips that timeout, so the whole body also
has a deadline, ``SIPADU_BODY_TOTAL_TIMEOUT`` seconds from the start of the request: a
timer then marks the request as overdue and shuts the socket's reading side, so whatever is
reading the body sees it end early; the request is answered 408 like a stalled one and
nothing of it is kept. A thread is therefore held by one request body for at most that long.
The deadlines of all requests wait on one thread per process (``deadlines.py``).

The timeout and the deadline are lifted when the answer starts (``start_response``): a
response is never written under them.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, request
from flask_babel import lazy_gettext
from werkzeug.exceptions import ClientDisconnected

from sipadu.uploads.body_source import BODY_OVERDUE
from sipadu.uploads.multipart import discard_published_uploads
from sipadu.web.deadlines import deadlines
from sipadu.web.errors import answer_unexpected, discard_request_session, render_error

ARMED = "sipadu.body_read_timeout"
OVERDUE = BODY_OVERDUE
STALLED_TEXT = lazy_gettext(
    "Nothing arrived from your connection for too long, so the sending was stopped. "
    "Nothing you sent was stored. Please send it again."
)
TOO_SLOW_TEXT = lazy_gettext(
    "Your connection sent too slowly, so the sending was stopped. "
    "Nothing you sent was stored. Please send it again."
)
log = logging.getLogger("sipadu.slow_clients")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _has_body(environ: dict[str, Any]) -> bool:
    length = str(environ.get("CONTENT_LENGTH") or "0")
    chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return chunked or (length.isdigit() and int(length) > 0)


class BodyReadTimeout:
    """WSGI middleware: a read timeout on gunicorn's socket while a body may be read, and a
    deadline for the whole body."""

    def __init__(self, app: WsgiApp, seconds: int, total_seconds: int) -> None:
        self.app = app
        self.seconds = seconds
        self.total_seconds = total_seconds

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if not isinstance(sock, socket.socket) or not _has_body(environ):
            return self.app(environ, start_response)
        sock.settimeout(self.seconds)
        environ[ARMED] = self.seconds
        # One shared deadline thread per process, not a thread per request.
        deadline = deadlines.schedule(self.total_seconds, lambda: _cut_overdue(environ, sock))

        def start_without_timeout(*args: Any) -> Any:
            # The body has been read (or never will be): the answer is written blocking.
            deadlines.cancel(deadline)
            with contextlib.suppress(OSError):
                sock.settimeout(None)
            return start_response(*args)

        try:
            return self.app(environ, start_without_timeout)
        finally:
            deadlines.cancel(deadline)


def _cut_overdue(environ: dict[str, Any], sock: socket.socket) -> None:
    """The body's deadline passed: mark the request, and end its body for the reader (a
    blocked ``recv`` returns at once with nothing)."""
    environ[OVERDUE] = True
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)


def body_overdue(environ: dict[str, Any]) -> bool:
    """Whether the request body's deadline passed (its reader then sees it end early)."""
    return bool(environ.get(OVERDUE))


def _caused_by_timeout(error: BaseException) -> bool:
    """Whether ``error`` is, or was raised because of, a socket timeout."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _stalled_or_unexpected(error: TimeoutError) -> tuple[str | Response, int]:
    """408 for a body that stopped arriving; another socket's timeout is the unexpected 500."""
    if request.environ.get(ARMED) is None and not body_overdue(request.environ):
        return answer_unexpected(error)
    return _stalled()


def _stalled_or_disconnected(error: ClientDisconnected) -> tuple[str | Response, int]:
    """Werkzeug's form parser turns the socket's timeout into ``ClientDisconnected``: 408
    for that, the ordinary 400 for a client that really went away."""
    if body_overdue(request.environ):
        return _stalled()
    if request.environ.get(ARMED) is None or not _caused_by_timeout(error):
        return render_error(ClientDisconnected.code)
    return _stalled()


def _stalled() -> tuple[str | Response, int]:
    """Throw away what the request stored, stop reading its connection, answer 408."""
    seconds = request.environ.get(ARMED)
    discard_request_session()
    discard_published_uploads()
    sock = request.environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)  # gunicorn must not wait for the rest of it
    rule = request.url_rule.rule if request.url_rule else "<no route>"
    if body_overdue(request.environ):
        log.warning(
            "request body still incomplete at its deadline on %s %s; cut", request.method, rule
        )
        return render_error(408, TOO_SLOW_TEXT)
    log.warning("request body stalled for %s s on %s %s; cut", seconds, request.method, rule)
    return render_error(408, STALLED_TEXT)


def configure_body_read_timeout(app: Flask, seconds: int, total_seconds: int) -> None:
    """Cut request bodies that stall for ``seconds`` or are incomplete after
    ``total_seconds`` (under gunicorn; other servers are left as they are)."""
    app.wsgi_app = BodyReadTimeout(app.wsgi_app, seconds, total_seconds)  # type: ignore[method-assign]
    app.register_error_handler(TimeoutError, _stalled_or_unexpected)
    app.register_error_handler(ClientDisconnected, _stalled_or_disconnected)
