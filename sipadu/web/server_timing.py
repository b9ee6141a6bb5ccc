"""An opt-in ``Server-Timing`` header for benchmarks: how long the app took to answer.

Off by default (``SIPADU_SERVER_TIMING``): in production the header would hand every client a
precise timing of the server's work, which helps nobody but someone measuring side channels.
The bench turns it on in its own instance to read server time without the client's share.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ServerTimingMiddleware:
    """Adds ``Server-Timing: app;dur=<ms>``: from the request reaching the app to its status
    line, i.e. routing, hooks, the view and rendering; not the network or the WSGI server."""

    def __init__(self, wsgi_app: WsgiApp) -> None:
        self.wsgi_app = wsgi_app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()

        def timed_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            elapsed_ms = (time.perf_counter() - started) * 1000
            headers.append(("Server-Timing", f"app;dur={elapsed_ms:.3f}"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, timed_start)


def configure_server_timing(app: Flask, enabled: bool) -> None:
    """Wrap the app in :class:`ServerTimingMiddleware` when ``enabled`` (the bench only)."""
    if enabled:
        app.wsgi_app = ServerTimingMiddleware(app.wsgi_app)  # type: ignore[method-assign]
