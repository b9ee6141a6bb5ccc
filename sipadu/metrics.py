"""Prometheus metrics: what the service does and how fast, never for whom.

Reporter-facing requests (the paths whose log records the privacy filter drops, passed in
as ``is_private``) are neither counted per endpoint nor timed: each scrape would otherwise
date when a report was filed or a case page read. Only their server errors are counted,
all under the one endpoint label ``reporter``, so a failing reporter side still shows.

Every label is a fixed word: a Flask endpoint name (never the URL path, which holds case
codes), a status code, a limit's kind, a blob-store operation. Nothing names a reporter, a
case, a staff member or an address, and the metrics have no time finer than the scrape.

The metric objects are built on first use in each process (:func:`metrics`), not at import:
``sipadu serve`` switches prometheus_client to its multi-process mode
(:func:`enable_multiprocess`) after this module may already have been imported, and a metric
built before that would count in one worker's memory, out of the exposition's sight. Under
gunicorn every worker writes its counts to files in the server's ``PROMETHEUS_MULTIPROC_DIR``
and the exposition (``sipadu/metrics_exposition.py``) adds them up. Without ``sipadu serve``
(the tests, the development server) the counts stay in the process, readable from
``metrics().registry``.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, has_request_context, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Anything else becomes "other": a label must never carry what a client sent.
_FIXED_WORD = re.compile(r"[a-z0-9_.\-]{1,64}")
UNMATCHED_ENDPOINT = "unmatched"  # no route: 404s for unknown paths, whatever their path
REPORTER_ENDPOINT = "reporter"  # every reporter-facing endpoint's 5xx, under one label
# Seconds. Pages answer in milliseconds, Argon2 paths in a quarter second or more, uploads
# of large files in minutes.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
AUDIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
log = logging.getLogger("sipadu.metrics")
_failed_once: list[bool] = []


def fixed_word(value: str | None) -> str:
    """``value`` if it is a short lower-case word (endpoint names, codes), else ``other``."""
    if value is not None and _FIXED_WORD.fullmatch(value):
        return value
    return "other"


class Metrics:
    """This process's metric objects, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.requests = Counter(
            "sipadu_http_requests",
            "Requests answered, by Flask endpoint and status code.",
            ["endpoint", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "sipadu_http_request_duration_seconds",
            "Time from the request reaching the app to its status line, by Flask endpoint.",
            ["endpoint"],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        # No gauge of the derivations or key checks running now: every case-key check is a
        # reporter's, and most derivations are, so a scrape landing during one would date it
        # to the second. Only refusals (saturation, an operator's concern) are counted.
        self.argon2_busy = Counter(
            "sipadu_argon2_gate_busy",
            "Requests refused as busy: no Argon2 slot within the wait.",
            registry=registry,
        )
        self.key_check_busy = Counter(
            "sipadu_case_key_check_busy",
            "Case-key checks refused because every slot was taken.",
            registry=registry,
        )
        self.rate_limit_refusals = Counter(
            "sipadu_rate_limit_refusals",
            "Requests refused by a rate limit: application (all endpoints together), default "
            "(each endpoint) or view (the endpoint's own: sign-in, case key, submission).",
            ["limit", "endpoint"],
            registry=registry,
        )
        self.audit_append_seconds = Histogram(
            "sipadu_audit_append_seconds",
            "Time to append one event to the audit chain, waiting for its lock included.",
            buckets=AUDIT_BUCKETS,
            registry=registry,
        )
        self.outbox_overdue = Gauge(
            "sipadu_outbox_overdue",
            "Outbox rows that should have been sent by now (notifications: queued on a UTC "
            "day that ended over an hour ago; webhooks: refused by the channel, or due over "
            "an hour ago), counted at most once a minute by each worker.",
            ["outbox"],
            multiprocess_mode="livemostrecent",
            registry=registry,
        )
        self.blob_store_errors = Counter(
            "sipadu_blob_store_errors",
            "Blob-store operations that failed (not a missing blob or an oversized upload).",
            ["operation"],
            registry=registry,
        )


_building = threading.Lock()


@functools.cache
def _metrics_once() -> Metrics:
    return Metrics()


def metrics() -> Metrics:
    """This process's metrics, built on first use (after the multi-process switch).

    Built under a lock: ``functools.cache`` alone lets two threads of a threaded worker build
    two sets at once, and in multi-process mode the second set's counters start from a stale
    value in the same file, losing the other's counts.
    """
    with _building:
        return _metrics_once()


def enable_multiprocess(directory: str) -> None:
    """Count in files under ``directory`` from now on, in this process and every process it
    forks (gunicorn's workers): call before any worker starts."""
    os.environ[MULTIPROC_ENV] = directory
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    _metrics_once.cache_clear()


def disable_multiprocess() -> None:
    """Count in each process's memory: a ``PROMETHEUS_MULTIPROC_DIR`` left in the environment
    without a metrics bind would have every worker write files nobody reads, into a folder
    that may not even exist."""
    if os.environ.pop(MULTIPROC_ENV, None) is not None:
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        _metrics_once.cache_clear()


def record(update: Callable[[Metrics], object]) -> bool:
    """Apply ``update`` to this process's metrics; whether it worked. A metric that cannot be
    written (a full temporary folder, say) is logged once and never fails the request."""
    try:
        update(metrics())
    except Exception as error:
        if not _failed_once:
            _failed_once.append(True)
            log.warning("metrics could not be recorded (%s); serving on", type(error).__name__)
        return False
    return True


def observe_request(endpoint: str | None, status: int, seconds: float) -> None:
    """Count one answered request."""
    name = fixed_word(endpoint) if endpoint else UNMATCHED_ENDPOINT

    def update(found: Metrics) -> None:
        found.requests.labels(name, str(status)).inc()
        found.request_seconds.labels(name).observe(seconds)

    record(update)


def observe_private_request(status: int) -> None:
    """A reporter-facing request: only a server error is counted, under the one label
    ``reporter`` and without its time."""
    if status >= 500:
        record(lambda found: found.requests.labels(REPORTER_ENDPOINT, str(status)).inc())


class RequestMetricsMiddleware:
    """Counts every answer at its status line, by the endpoint Flask matched (the request
    context is still active then); the time covers routing, hooks, the view and rendering.
    Requests to a path ``is_private`` names are left out but for their server errors."""

    def __init__(self, wsgi_app: WsgiApp, is_private: Callable[[str], bool]) -> None:
        self.wsgi_app = wsgi_app
        self.is_private = is_private

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        private = self.is_private(str(environ.get("PATH_INFO") or "/"))

        def counted_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            code = int(status.split(" ", 1)[0])
            if private:
                observe_private_request(code)
            else:
                endpoint = request.endpoint if has_request_context() else None
                observe_request(endpoint, code, time.perf_counter() - started)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, counted_start)


def configure_request_metrics(app: Flask, is_private: Callable[[str], bool]) -> None:
    """Wrap ``app`` so every answer is counted, but those to paths ``is_private`` names."""
    app.wsgi_app = RequestMetricsMiddleware(app.wsgi_app, is_private)  # type: ignore[method-assign]


def count_rate_limit_refusal(limit: str, endpoint: str | None) -> None:
    """Count a request refused by a rate limit of kind ``limit``."""
    name = fixed_word(endpoint) if endpoint else UNMATCHED_ENDPOINT
    record(lambda found: found.rate_limit_refusals.labels(fixed_word(limit), name).inc())


def count_blob_store_error(operation: str) -> None:
    """Count a failed blob-store ``operation``."""
    record(lambda found: found.blob_store_errors.labels(fixed_word(operation)).inc())
