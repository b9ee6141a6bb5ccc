"""Logging that never records who a client is, nor when a reporter came.

SIPADU never reads the client address or user agent, but servers around it do: Werkzeug's
dev server starts each access line with the peer address and gunicorn's default access format
includes it. These filters remove addresses from every record before any handler sees it.

Every log line carries a time (journald adds one if the line does not), so a line about a
reporter's request would date it to the second. Access lines are written for staff requests
only (reporter pages and API, the public pages a reporter reads first, static files and
unknown paths leave none), and records the app writes while serving a reporter's page or API
call are dropped.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import has_request_context, request

# IPv4, and IPv6 as servers print it: the full eight groups, or any form with "::".
# (Clock times such as 16:05:12 must survive, so two or three bare groups do not count.)
_IPV4 = r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"
_IPV6_FULL = r"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
_IPV6_SHORT = r"[0-9A-Fa-f:]*::[0-9A-Fa-f:.]*"
ADDRESS = re.compile(rf"{_IPV4}|{_IPV6_FULL}|{_IPV6_SHORT}(?:%\w+)?")
REDACTED = "[addr]"
# Query strings in request lines ("GET /path?x=1 HTTP/1.1") may carry what a user typed.
QUERY_IN_REQUEST_LINE = re.compile(r'("[A-Z]{3,10} [^ ?"]*)\?[^ "]*( HTTP/[\d.]+")')


# The staff side: its pages, its API. Nothing else is logged (docs/deployment.md has the
# matching nginx map).
STAFF_PATH = re.compile(r"^/(?:staff|admin|auditor|petugas|api/v1/staff)(?:/|$)")
# Setup links carry a one-time secret in their path: whoever reads a log line holding an unused
# one could complete the account before its owner. They are never logged.
SETUP_LINK_PATH = re.compile(r"^/staff/(?:account-)?setup/")
# What a reporter does: filing, the case pages, the reporter API, and a channel filing for
# a reporter (the intake API: its path names the channel's ticket).
REPORTER_PATH = re.compile(r"^/(?:laporan|kasus|api/v1/reports|api/v1/case|api/v1/intake)(?:/|$)")
# The path of a request line, as the dev server and the access format write it.
_REQUEST_LINE_PATH = re.compile(r'"[A-Z]{3,10} ([^ ?"]*)')


def is_logged_path(path: str) -> bool:
    """Whether a request for ``path`` may leave a log line (staff paths only)."""
    return STAFF_PATH.match(path) is not None and SETUP_LINK_PATH.match(path) is None


def is_reporter_path(path: str) -> bool:
    """Whether ``path`` is a reporter's page or API call."""
    return REPORTER_PATH.match(path) is not None


class QuietNonStaffRequestsFilter(logging.Filter):
    """Drops records written while serving a reporter's request, and access lines naming
    any non-staff path (the dev server writes those after the request, outside its context)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            return not is_reporter_path(request.path)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not take logging down
            message = str(record.msg)
        match = _REQUEST_LINE_PATH.search(message)
        return match is None or is_logged_path(match.group(1))


def scrub(text: str) -> str:
    """Replace every IP address in ``text`` and drop query strings from request lines."""
    return QUERY_IN_REQUEST_LINE.sub(r"\1\2", ADDRESS.sub(REDACTED, text))


class ScrubAddressesFilter(logging.Filter):
    """Renders the record's message, removes addresses, and stores the result as the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not take logging down
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def install_filter(logger: logging.Logger) -> None:
    """Attach the filters to a logger and all its handlers (handlers see propagated records):
    first drop what concerns a non-staff request, then scrub addresses from the rest."""
    for kind in (QuietNonStaffRequestsFilter, ScrubAddressesFilter):
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
        for handler in logger.handlers:
            if not any(isinstance(f, kind) for f in handler.filters):
                handler.addFilter(kind())


# The S3 client's libraries (sipadu/storage/s3.py).
QUIET_CLIENT_LOGGERS = ("boto3", "botocore", "s3transfer", "urllib3")


def configure_logging(level: str) -> None:
    """Root logging for the app and the dev server, scrubbed."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    for name in ("", "werkzeug", "sipadu", "gunicorn.error", "gunicorn.access"):
        install_filter(logging.getLogger(name))
    for name in QUIET_CLIENT_LOGGERS:
        # Their debug lines carry request headers (the S3 access key id, signatures) and
        # object keys: even SIPADU_LOG_LEVEL=DEBUG shows them only their warnings.
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def gunicorn_logger_class() -> Any:
    """A gunicorn Logger whose access and error logs are scrubbed."""
    from gunicorn.glogging import Logger

    class PrivateLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            install_filter(self.error_log)
            install_filter(self.access_log)

        def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
            if is_logged_path(str(environ.get("PATH_INFO", ""))):
                super().access(resp, req, environ, request_time)

    return PrivateLogger
