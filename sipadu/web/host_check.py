"""Behind a balancer, only the public names: a request for any other host is refused.

With ``SIPADU_TRUSTED_PROXIES`` set, the host of a request comes from ``X-Forwarded-Host``.
The balancer overwrites that header, but a client that reaches an app port directly (a
firewall gap) sends its own: every absolute URL and redirect built from it would then point
to a host of the client's choosing. So behind a balancer a request must name the host of
``SIPADU_BASE_URL`` or one of ``SIPADU_ALLOWED_HOSTS`` (the onion name, say); any other gets
a bilingual 400. The balancer's probes (``/healthz``, ``/readyz``) are answered whatever
host they name: a health check often sends the server's own address.

Without ``SIPADU_TRUSTED_PROXIES`` any well-formed host is served (the ``Host`` header is
what the server was reached by; ``make run`` is reached as ``localhost`` or ``127.0.0.1``).
Whatever the proxy setting, a ``Host`` header that is not a name or address with at most one
port (``127.0.0.1:8200:80``) is refused, and so is an ``X-Forwarded-Host`` with several values of
which one is not a public name: a balancer that appends to the header passes the client's
own value on in front of its own.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_babel import lazy_gettext

from sipadu.settings import Settings
from sipadu.web.errors import render_error

PROBE_PATHS = frozenset({"/healthz", "/readyz"})
# A DNS name, an IPv4 address or a bracketed IPv6 address, with at most one port.
WELL_FORMED_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9.\-]{0,252})|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?"
)
UNKNOWN_HOST_TEXT = lazy_gettext(
    "This service does not answer under that address. Please use its official address."
)


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The hosts (``name`` or ``name:port``, lower case) a request may name."""
    public = urlsplit(settings.base_url).netloc.lower()
    return frozenset({public, *(host.lower() for host in settings.allowed_hosts)})


def _forwarded_hosts() -> list[str]:
    """Every value of the request's ``X-Forwarded-Host`` headers, lower case."""
    values = request.headers.getlist("X-Forwarded-Host")
    return [part.strip().lower() for value in values for part in value.split(",") if part.strip()]


def _raw_host() -> str:
    """The ``Host`` header as sent. Not ``request.host``: over plain http Werkzeug drops a
    trailing ``:80``, so ``127.0.0.1:8200:80`` would pass as ``127.0.0.1:8200``."""
    raw = request.environ.get("HTTP_HOST")
    return (raw if isinstance(raw, str) else request.host).lower()


def configure_host_check(app: Flask, settings: Settings) -> None:
    """Refuse malformed hosts; refuse requests for other hosts when a balancer in front
    sets the host."""

    @app.before_request
    def _well_formed_host() -> tuple[str | Response, int] | None:
        if request.path in PROBE_PATHS or WELL_FORMED_HOST.fullmatch(_raw_host()):
            return None
        return render_error(400, UNKNOWN_HOST_TEXT)

    if not settings.trusted_proxies:
        return  # without a proxy, the Host header is what the server was reached by
    hosts = allowed_hosts(settings)

    @app.before_request
    def _known_host() -> tuple[str | Response, int] | None:
        if request.path in PROBE_PATHS:
            return None
        forwarded = _forwarded_hosts()
        if request.host.lower() in hosts and all(host in hosts for host in forwarded):
            return None
        return render_error(400, UNKNOWN_HOST_TEXT)
