"""The security baseline, in one place: CSRF, cookies, headers, size limits, proxies.

Every response gets the headers below; pages may add to the policy only here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from sipadu.settings import Settings
from sipadu.web.proxies import is_proxy_peer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

csrf = CSRFProtect()
View = TypeVar("View", bound=Callable[..., Any])


def csrf_checked_after_limits(view: View) -> View:
    """Check the CSRF token when the view is called, under its own rate limit.

    Put it below ``@limiter.limit(...)``. Flask-Limiter checks a view's own limit only when
    the view is called, while the global CSRF check runs before that and reads the form: the
    whole body, file parts encrypted into the blob store as they arrive. A client over its
    limit would cost that much work per request before being refused. Here the view is
    exempt from the global check and checks the token itself, after its limit.
    """

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        config = current_app.config
        if config.get("WTF_CSRF_ENABLED", True) and request.method in config.get(
            "WTF_CSRF_METHODS", ("POST", "PUT", "PATCH", "DELETE")
        ):
            csrf.protect()
        return view(*args, **kwargs)

    csrf.exempt(checked)  # by module and name: the route registers the same ones
    return checked  # type: ignore[return-value]


# Nothing from other origins, no inline script or style. Pages render no script at all;
# stylesheets and images come from our own origin only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
)
STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Robots-Tag": "noindex, nofollow",
}
HSTS = "max-age=63072000; includeSubDomains"


def _apply_headers(response: Response) -> Response:
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Dynamic pages may show case data: never keep them in any cache or history.
        response.headers["Cache-Control"] = "no-store, max-age=0"
        response.headers["Pragma"] = "no-cache"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    # Never tell the world which server software runs here.
    response.headers.pop("Server", None)
    return response


class ProxiedOnly:
    """The scheme and host from ``X-Forwarded-Proto``/``-Host``, for requests whose peer is
    one of ``SIPADU_PROXY_ADDRESSES`` only (``web/proxies.py``): a client reaching the app
    port directly cannot choose them. ``request.remote_addr`` stays the peer's; the rate
    limiter alone reads ``X-Forwarded-For`` and keeps only an HMAC of it."""

    def __init__(self, app: WSGIApplication, settings: Settings) -> None:
        self.direct = app
        self.proxies = settings.proxy_addresses
        hops = settings.trusted_proxies
        self.proxied = ProxyFix(app, x_for=0, x_proto=hops, x_host=hops)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if is_proxy_peer(environ.get("REMOTE_ADDR"), self.proxies):
            return self.proxied(environ, start_response)
        return self.direct(environ, start_response)


def configure_security(app: Flask, settings: Settings) -> None:
    """Apply cookie, CSRF, size and header policy to ``app``."""
    app.config.update(
        SESSION_COOKIE_NAME="__Host-sipadu" if settings.uses_https else "sipadu",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.uses_https,
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=30 * 60,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=512 * 1024,
        MAX_FORM_PARTS=200,
        WTF_CSRF_TIME_LIMIT=3600,
        WTF_CSRF_SSL_STRICT=True,
        PREFERRED_URL_SCHEME="https" if settings.uses_https else "http",
    )
    csrf.init_app(app)
    if settings.trusted_proxies:
        app.wsgi_app = ProxiedOnly(app.wsgi_app, settings)  # type: ignore[method-assign]
    app.after_request(_apply_headers)
