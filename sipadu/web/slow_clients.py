"""A client that stops sending its request body: cut after a quiet spell, nothing kept.

gunicorn's threaded workers serve several requests per process, so a slow upload holds one
thread, not the whole server. A client that sends nothing at all for
``SIPADU_BODY_READ_TIMEOUT`` seconds would still hold its thread for as long as the
connection stays open; so while a request with a body is being handled, its socket gets a
read timeout. When it strikes (in Werkzeug's form parser, the JSON reader or the direct body
reader alike) the request is answered 408, everything it had stored is thrown away (the
transaction, and every published or temporary blob), and the socket's reading side is shut
so gunicorn closes the connection instead of waiting for the rest of the body.

The timeout is lifted when the answer starts (``start_response``): a response is never
written under it.
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

from sipadu.uploads.multipart import discard_published_uploads
from sipadu.web.errors import answer_unexpected, discard_request_session, render_error

ARMED = "sipadu.body_read_timeout"
STALLED_TEXT = lazy_gettext(
    "Nothing arrived from your connection for too long, so the sending was stopped. "
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
    """WSGI middleware: a read timeout on gunicorn's socket while a body may be read."""

    def __init__(self, app: WsgiApp, seconds: int) -> None:
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if not isinstance(sock, socket.socket) or not _has_body(environ):
            return self.app(environ, start_response)
        sock.settimeout(self.seconds)
        environ[ARMED] = self.seconds

        def start_without_timeout(*args: Any) -> Any:
            # The body has been read (or never will be): the answer is written blocking.
            with contextlib.suppress(OSError):
                sock.settimeout(None)
            return start_response(*args)

        return self.app(environ, start_without_timeout)


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
    if request.environ.get(ARMED) is None:
        return answer_unexpected(error)
    return _stalled()


def _stalled_or_disconnected(error: ClientDisconnected) -> tuple[str | Response, int]:
    """Werkzeug's form parser turns the socket's timeout into ``ClientDisconnected``: 408
    for that, the ordinary 400 for a client that really went away."""
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
    log.warning("request body stalled for %s s on %s %s; cut", seconds, request.method, rule)
    return render_error(408, STALLED_TEXT)


def configure_body_read_timeout(app: Flask, seconds: int) -> None:
    """Cut request bodies that stall for ``seconds`` (under gunicorn; other servers are
    left as they are)."""
    app.wsgi_app = BodyReadTimeout(app.wsgi_app, seconds)  # type: ignore[method-assign]
    app.register_error_handler(TimeoutError, _stalled_or_unexpected)
    app.register_error_handler(ClientDisconnected, _stalled_or_disconnected)
