"""Error pages and JSON errors that say what went wrong and leak nothing."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, Response, g, has_request_context, jsonify, render_template, request
from flask_babel import LazyString, force_locale, gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

from sipadu.storage.base import BlobStoreFullError, BlobStoreUnavailableError
from sipadu.uploads.multipart import discard_published_uploads
from sipadu.web.i18n import select_locale

log = logging.getLogger("sipadu.errors")

# code -> (title, explanation); English msgids, Indonesian in the catalog.
ERROR_TEXTS = {
    400: (
        lazy_gettext("Invalid request"),
        lazy_gettext("The request could not be understood. Please go back and try again."),
    ),
    401: (lazy_gettext("Sign-in required"), lazy_gettext("Please sign in to open this page.")),
    403: (
        lazy_gettext("Access denied"),
        lazy_gettext("You do not have permission to open this page."),
    ),
    404: (
        lazy_gettext("Page not found"),
        lazy_gettext("The page you are looking for does not exist."),
    ),
    405: (
        lazy_gettext("Method not allowed"),
        lazy_gettext("This page cannot be used in that way."),
    ),
    408: (
        lazy_gettext("Sending stopped"),
        lazy_gettext("Nothing arrived for too long. Nothing you sent was stored."),
    ),
    411: (
        lazy_gettext("Size required"),
        lazy_gettext("Say how large the upload is (a Content-Length header), then send it again."),
    ),
    413: (
        lazy_gettext("Upload too large"),
        lazy_gettext(
            "What you sent is larger than the service accepts. Please send smaller or fewer files."
        ),
    ),
    429: (
        lazy_gettext("Too many requests"),
        lazy_gettext("Please wait a moment before trying again."),
    ),
    500: (
        lazy_gettext("Something went wrong"),
        lazy_gettext(
            "The service could not complete your request. Nothing you sent "
            "was stored. Please try again later."
        ),
    ),
    503: (
        lazy_gettext("Service not available"),
        lazy_gettext("The service is temporarily unavailable. Please try again later."),
    ),
}
CSRF_TEXT = lazy_gettext(
    "This form has expired or was not sent from SIPADU. Please reload the page and send it again."
)
DB_UNAVAILABLE_TEXT = lazy_gettext(
    "The service cannot reach its database at the moment. Nothing you sent was stored. "
    "Please try again in a few minutes."
)
STORAGE_FULL_TEXT = lazy_gettext(
    "The service's file storage is full. Nothing you sent was stored, neither the report "
    "nor its files. Please try again later."
)
STORAGE_UNAVAILABLE_TEXT = lazy_gettext(
    "The service's file storage cannot be reached. Nothing you sent was stored, neither the "
    "report nor its files. Please try again in a few minutes."
)
STORAGE_UNAVAILABLE_RETRY_AFTER_SECONDS = 60
DB_RETRY_AFTER_SECONDS = 30
STORAGE_RETRY_AFTER_SECONDS = 300
API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    409: "conflict",
    411: "length_required",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def _texts(code: int, override: LazyString | str | None = None) -> tuple[str, str]:
    title, message = ERROR_TEXTS.get(code, ERROR_TEXTS[500] if code >= 500 else ERROR_TEXTS[400])
    return str(title), str(override if override is not None else message)


def is_api_request() -> bool:
    """True for JSON API paths, which get JSON errors instead of pages."""
    return request.path.startswith("/api/")


def api_error(status: int, message: str, code: str | None = None) -> Response:
    """The JSON API's error shape: ``{"error": {"code", "message"}}``."""
    response = jsonify(
        {"error": {"code": code or API_CODES.get(status, "error"), "message": message}}
    )
    response.status_code = status
    return response


def render_error(
    code: int,
    override: LazyString | str | None = None,
) -> tuple[str | Response, int]:
    """An error page (or JSON for the API) for HTTP status ``code``.

    An Indonesian page repeats its text in English, for a visitor who reached it without
    reading Indonesian; an English page is English only (the visitor chose English, and
    Indonesian beside it reads as noise). ``override`` is a lazy (translatable) message so
    both languages can be shown (a plain string shows as it is in both).
    """
    title, message = _texts(code, override)
    if is_api_request():
        return api_error(code, message), code
    fallback: dict[str, str] = {}
    if select_locale() == "id":
        with force_locale("en"):
            other_title, other_message = _texts(code, override)
        fallback = {"other_title": other_title, "other_message": other_message}
    return render_template(
        "errors/error.html", code=code, title=title, message=message, **fallback
    ), code


@event.listens_for(Session, "before_commit")
def _note_commit_started(_session: Session) -> None:
    # After a commit was attempted nobody knows whether the rows exist: from then on this
    # request's published blobs are left to `sipadu storage gc`, which checks the rows. A
    # commit made before any blob was published (the read ended before a body streams in)
    # cannot hold their rows, so it does not count.
    if has_request_context() and any(
        upload.blob_id is not None for upload in g.get("encrypted_uploads", [])
    ):
        g.sipadu_commit_started = True


def is_database_unavailable(error: DBAPIError) -> bool:
    """True for failures of the database itself (down, refused, full, locked), not of a query."""
    return isinstance(error, (OperationalError, InterfaceError)) or error.connection_invalidated


def discard_request_session() -> None:
    """Drop the request's session and its connection, so the next request starts clean.

    ``invalidate`` does not try to roll back over a connection that may be dead; the pool
    replaces it (and ``pool_pre_ping`` checks the others) once the database is back.
    """
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        with contextlib.suppress(SQLAlchemyError, OSError):
            session.invalidate()


def _log_unexpected(error: BaseException) -> None:
    # The exception type only: messages and tracebacks may quote what a reporter sent.
    log.error(
        "unhandled %s on %s %s",
        type(error).__name__,
        request.method,
        request.url_rule.rule if request.url_rule else "<no route>",
    )


def register_error_handlers(app: Flask) -> None:
    """Install handlers for HTTP errors, CSRF failures and anything unexpected."""

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str | Response, int]:
        return render_error(400, CSRF_TEXT)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str | Response, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError) -> tuple[str | Response, int, dict[str, str]]:
        discard_request_session()
        if not g.get("sipadu_commit_started"):
            discard_published_uploads()
        if not is_database_unavailable(error):
            _log_unexpected(error)
            body, status = render_error(InternalServerError.code)
            return body, status, {}
        # Types only: a driver's message can quote the statement's parameters.
        log.warning(
            "database unavailable: %s (%s) on %s %s",
            type(error).__name__,
            type(error.orig).__name__,
            request.method,
            request.url_rule.rule if request.url_rule else "<no route>",
        )
        body, status = render_error(503, DB_UNAVAILABLE_TEXT)
        return body, status, {"Retry-After": str(DB_RETRY_AFTER_SECONDS)}

    @app.errorhandler(BlobStoreFullError)
    def _storage_full(_error: BlobStoreFullError) -> tuple[str | Response, int, dict[str, str]]:
        # Raised before the view commits: the request's transaction (case, rows, audit
        # events) is thrown away and the teardown aborts every temporary blob.
        discard_request_session()
        discard_published_uploads()
        log.error(
            "blob store full on %s %s",
            request.method,
            request.url_rule.rule if request.url_rule else "<no route>",
        )
        body, status = render_error(503, STORAGE_FULL_TEXT)
        return body, status, {"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)}

    @app.errorhandler(BlobStoreUnavailableError)
    def _storage_unavailable(
        error: BlobStoreUnavailableError,
    ) -> tuple[str | Response, int, dict[str, str]]:
        # As for a full store: nothing of the request is kept. The message names the failed
        # operation and the store's error code only (sipadu/storage/s3.py).
        discard_request_session()
        discard_published_uploads()
        log.error("blob store unavailable on %s: %s", _rule(), error)
        body, status = render_error(503, STORAGE_UNAVAILABLE_TEXT)
        return body, status, {"Retry-After": str(STORAGE_UNAVAILABLE_RETRY_AFTER_SECONDS)}

    app.register_error_handler(Exception, answer_unexpected)


def answer_unexpected(error: Exception) -> tuple[str | Response, int]:
    """The 500 for anything no other handler answers, logged by its type only."""
    _log_unexpected(error)
    return render_error(InternalServerError.code)


def _rule() -> str:
    """The request's method and route pattern (never its path, which may hold a code)."""
    rule = request.url_rule.rule if request.url_rule else "<no route>"
    return f"{request.method} {rule}"


__all__ = [
    "answer_unexpected",
    "api_error",
    "gettext",
    "register_error_handlers",
    "render_error",
]
