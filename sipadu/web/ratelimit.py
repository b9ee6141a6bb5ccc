"""Per-client rate limits that never store a client address.

Counters live in Redis when ``SIPADU_REDIS_URL`` is set (shared by every worker and server)
and otherwise in ``<instance>/ratelimits.sqlite3`` (``ratelimit_store.py``), shared by every
worker of the one server, so the limits below hold whichever worker answers. While a
configured Redis is down, each server counts in its own file, never in a worker's memory
(``ratelimit_failover.py``; ``limiter_backend_state`` tells which is in use). A client is
identified by

    HMAC-SHA256(keys/ratelimit.key, "<UTC day>" + "<address>")[:16 hex]

so the store holds neither the address nor anything that can be reversed by trying all four
billion IPv4 addresses without the key, and identifiers change every day, so they cannot link
one day's visits to the next. The key file is shared by every server (copy ``keys/``), which
is what makes one client's counters add up across servers.

IPv6 clients are counted per /64 network, since one host usually owns a whole /64 and could
otherwise rotate addresses to escape any limit.

Default limits (per client; static files exempt):
- ``APPLICATION_LIMITS``: all endpoints together, "300 per minute".
- ``DEFAULT_LIMITS``: each endpoint, "60 per minute; 600 per hour".
Sensitive views add stricter ones with ``@limiter.limit(...)``:
- ``LOGIN_LIMITS`` for staff sign-in (password and TOTP), "10 per minute; 60 per hour";
- ``CASE_KEY_LIMITS`` for a reporter's case-key entry, "10 per minute; 60 per hour",
  counted only for answers other than 503 (``counts_against_client``);
- ``SUBMIT_LIMITS`` for new reports and uploads, "5 per minute; 30 per hour".
These sit on top of the per-account delays of ``sipadu.throttle`` and the per-(code, client)
limit and per-code ceiling on wrong case keys (``case_key_attempts.py``).
Flask-Limiter checks a view's own limit only when the view is called, after every
``before_request`` hook; the reporter's form views with a limit therefore check their CSRF
token after it (``security.csrf_checked_after_limits``), so a client over its limit costs no
form parsing, files included.

Behind a reverse proxy (``SIPADU_TRUSTED_PROXIES`` > 0) the address is read from
``X-Forwarded-For`` here and only here, hashed at once, and only for a request whose peer is
one of ``SIPADU_PROXY_ADDRESSES`` (``proxies.py``; any other peer is counted as itself);
``request.remote_addr`` keeps the proxy's address so nothing else in SIPADU ever sees a
client's. All visitors of the onion service arrive
from the local Tor daemon and so share one identifier: the limits above leave room for that.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Flask, request
from flask_babel import LazyString, lazy_gettext, lazy_ngettext
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.wrappers import Response

from sipadu.app_context import current_settings
from sipadu.logging_privacy import is_reporter_path
from sipadu.metrics import count_rate_limit_refusal
from sipadu.settings import ProxyNetwork, Settings
from sipadu.web.errors import is_api_request, render_error
from sipadu.web.proxies import is_proxy_peer
from sipadu.web.ratelimit_failover import SCHEME as FAILOVER_SCHEME
from sipadu.web.ratelimit_failover import FailoverCounterStorage, LimiterBackend
from sipadu.web.ratelimit_store import storage_uri_for

APPLICATION_LIMITS = "300 per minute"
DEFAULT_LIMITS = "60 per minute;600 per hour"
LOGIN_LIMITS = "10 per minute;60 per hour"
CASE_KEY_LIMITS = "10 per minute;60 per hour"
SUBMIT_LIMITS = "5 per minute;30 per hour"
KEY_PREFIX = "sipadu"
IDENTIFIER_HEX_CHARS = 16
# A slow or dead Redis must not hang every request: fail fast, then count in the file.
REDIS_OPTIONS: dict[str, str | int] = {"socket_timeout": 1, "socket_connect_timeout": 1}


def counts_against_client(response: Response) -> bool:
    """Whether a case-key request uses up its client's ``CASE_KEY_LIMITS``: not when it was
    refused with 503 because every key-check slot was taken (``key_check_slots.py``). A flood
    from other addresses holds the slots; the reporter told to retry must not be locked out
    by the retries. Such a limit is tested before the view and counted after it, so while
    the slots' checks run, one client can be up to ``slots`` checks past its limit."""
    return response.status_code != 503


def _normalise_address(raw: str) -> str:
    """The address as counted: IPv4 as is, IPv6 as its /64 network, anything else verbatim."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return raw.strip()
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_address(trusted_proxies: int, proxies: Iterable[ProxyNetwork] = ()) -> str:
    """The client's address for this request, to be hashed at once and never kept: the
    forwarded one only when the peer is one of ``proxies`` (``web/proxies.py``)."""
    if trusted_proxies > 0 and is_proxy_peer(request.remote_addr, proxies):
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [hop for hop in hops if hop]
        # Only the entry our own proxies appended is trustworthy; earlier ones are the
        # client's to forge (the same rule as werkzeug's ProxyFix).
        if len(hops) >= trusted_proxies:
            return _normalise_address(hops[-trusted_proxies])
    return _normalise_address(request.remote_addr or "unknown")


def client_identifier_for(key: bytes, address: str, day: str) -> str:
    """HMAC-SHA256 of ``address`` on ``day`` under ``key``, as 16 hex characters (64 bits)."""
    # Length-prefixed so no (day, address) pair can collide with another by shifting text.
    message = f"{len(day)}:{day}|{address}".encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return digest[:IDENTIFIER_HEX_CHARS]


def client_identifier() -> str:
    """The rate-limit key of the current request (Flask-Limiter's ``key_func``)."""
    settings = current_settings()
    if settings.keyring is None:  # create_app guarantees a keyring; this is for type checkers
        raise RuntimeError("rate limiting needs the keyring")
    day = datetime.now(UTC).date().isoformat()
    address = client_address(settings.trusted_proxies, settings.proxy_addresses)
    return client_identifier_for(settings.keyring.ratelimit_key, address, day)


def _exempt() -> bool:
    # Stylesheets are fetched with every page; counting them would halve the page budget.
    return request.endpoint == "static"


# One limiter per process, as Flask-Limiter intends: views decorate with @limiter.limit(...)
# at import time, and configure_rate_limits binds it to the app the process serves.
limiter = Limiter(
    key_func=client_identifier,
    application_limits=[APPLICATION_LIMITS],
    application_limits_exempt_when=_exempt,
    default_limits=[DEFAULT_LIMITS],
    default_limits_exempt_when=_exempt,
    strategy="sliding-window-counter",
    # No X-RateLimit-* headers on every response; a 429 gets Retry-After (see below).
    headers_enabled=False,
    key_prefix=KEY_PREFIX,
    # Never one worker's memory: a dead Redis is replaced by the server's counters file.
    in_memory_fallback_enabled=False,
    # Only if the counters file fails too is a request let through (logged with its error).
    swallow_errors=True,
)


def storage_uri(settings: Settings) -> str:
    """Redis when configured (shared across servers; the instance's file while it is down),
    else the instance's counters file (shared by the workers of this server)."""
    if settings.redis_url:
        return f"{FAILOVER_SCHEME}://"
    return storage_uri_for(settings.instance_dir)


def storage_options(settings: Settings) -> dict[str, str | int]:
    """The keyword arguments of the storage ``storage_uri`` names."""
    if not settings.redis_url:
        return {}
    fallback = storage_uri_for(settings.instance_dir)
    return {"redis_url": settings.redis_url, "fallback_uri": fallback, **REDIS_OPTIONS}


def limiter_backend_state() -> LimiterBackend:
    """Where this worker counts rate limits now: ``redis``, ``local-file`` (no Redis
    configured) or ``local-file-fallback`` (Redis configured but unreachable; limits hold
    per server only). For ``/readyz`` and metrics; call it inside the app."""
    if not current_settings().rate_limits_enabled:
        return LimiterBackend.LOCAL_FILE  # tests only: the limiter set up no storage
    storage = limiter.storage
    if isinstance(storage, FailoverCounterStorage):
        storage.refresh()
        return storage.backend
    return LimiterBackend.LOCAL_FILE


def retry_after() -> int:
    """Whole seconds until the breached limit of this request frees up (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


def wait_text(seconds: int) -> LazyString:
    """How long to wait, in whole minutes from one minute on, else in seconds."""
    if seconds >= 60:
        minutes = -(-seconds // 60)
        return lazy_ngettext("%(num)d minute", "%(num)d minutes", minutes)
    return lazy_ngettext("%(num)d second", "%(num)d seconds", seconds)


def limit_kind(error: RateLimitExceeded) -> str:
    """Which limit refused the request: ``application`` (all endpoints together),
    ``default`` (each endpoint) or ``view`` (the view's own, e.g. ``LOGIN_LIMITS``)."""
    manager = limiter.limit_manager
    if error.limit in manager.application_limits:
        return "application"
    if error.limit in manager.default_limits:
        return "default"
    return "view"


def _too_many(error: RateLimitExceeded) -> tuple[str | Response, int, dict[str, str]]:
    # A reporter's refusal is counted without its endpoint: it would date what they did.
    private = is_reporter_path(request.path)
    count_rate_limit_refusal(limit_kind(error), "reporter" if private else request.endpoint)
    seconds = retry_after()
    # Say how long, and on a page that the form is not lost: a reporter may have written a
    # long text. An API client has no Back button: it only needs the wait.
    if is_api_request():
        message = lazy_gettext("Please wait %(wait)s before trying again.", wait=wait_text(seconds))
    else:
        message = lazy_gettext(
            "Please wait %(wait)s before trying again. Your browser's Back button returns you to "
            "the form, where browsers normally keep what you wrote; send it again after the wait.",
            wait=wait_text(seconds),
        )
    body, status = render_error(429, message)
    return body, status, {"Retry-After": str(seconds)}


def configure_rate_limits(app: Flask, settings: Settings) -> None:
    """Bind ``limiter`` to ``app``; 429 responses use the bilingual error page."""
    app.config.update(
        RATELIMIT_ENABLED=settings.rate_limits_enabled,
        RATELIMIT_STORAGE_URI=storage_uri(settings),
        RATELIMIT_STORAGE_OPTIONS=storage_options(settings),
    )
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many)
