"""`sipadu serve`: gunicorn, the production server, with privacy-preserving logs."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from sipadu.logging_privacy import gunicorn_logger_class
from sipadu.metrics_exposition import MetricsExposition

# Method, path without query string, status, size, duration. Never %(h)s (client address),
# %(a)s (user agent), %(r)s/%(q)s (query strings) or %(f)s (referrer).
ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'


# Threads per worker process. A request that waits (for its body, the database, the blob
# store) holds one thread, not the process: with sync workers three clients trickling an
# upload stalled a two-worker server completely, health checks included. Argon2 work stays
# bounded per process by its gate (sipadu/web/argon2_gate.py), not by the thread count.
DEFAULT_THREADS = 8
# SQLite lets one writer in at a time, and a request holds the write lock from its first write
# to its commit, Argon2 included: with threads, a burst of ten reports queued on the lock past
# its 30 s timeout ("cannot reach its database"), even at four threads a worker. SQLite
# instances (development, a trial) keep one thread per worker (still the gthread worker class,
# one request at a time per process as with sync workers); production uses PostgreSQL.
SQLITE_THREADS = 1


def default_threads(database_url: str) -> int:
    """Threads per worker when ``SIPADU_THREADS`` is not set, by database."""
    return SQLITE_THREADS if database_url.startswith("sqlite") else DEFAULT_THREADS


def default_workers() -> int:
    """One worker process per core (Argon2 work is CPU-bound), at least two."""
    return max(2, os.cpu_count() or 1)


def gunicorn_options(
    bind: str,
    workers: int,
    timeout: int,
    metrics: MetricsExposition | None = None,
    threads: int = DEFAULT_THREADS,
) -> dict[str, Any]:
    """The gunicorn settings SIPADU runs with (and, with ``metrics``, the hooks that keep
    the metrics of dead workers' gauges out and remove the metrics folder at exit).

    ``timeout`` is how long a worker process may stop answering gunicorn's arbiter before it
    is restarted; with threaded workers it no longer bounds one request, whose body is
    bounded by ``SIPADU_BODY_READ_TIMEOUT`` and ``SIPADU_BODY_TOTAL_TIMEOUT``
    (sipadu/web/slow_clients.py).
    """
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": gunicorn_logger_class(),
        "proc_name": "sipadu",
        "preload_app": False,
        "forwarded_allow_ips": "127.0.0.1,::1",
        # Whether a request came over https is decided by SIPADU_TRUSTED_PROXIES alone
        # (ProxyFix, sipadu/web/security.py): gunicorn would otherwise believe a local
        # client's X-Forwarded-Proto, and a plain-http answer would carry HSTS.
        "secure_scheme_headers": {},
        # gunicorn 27's control socket lives at one path per user (~/.gunicorn/), shared by
        # every instance on the machine; SIPADU has no use for it.
        "control_socket_disable": True,
    }
    if metrics is not None:
        options["child_exit"] = lambda _arbiter, worker: metrics.worker_exited(worker.pid)
        options["on_exit"] = lambda _arbiter: metrics.close()
    return options


class SipaduServer(BaseApplication):  # type: ignore[misc]
    """Runs the app factory inside gunicorn's workers."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key == "control_socket_disable" and key not in self.cfg.settings:
                continue  # a gunicorn older than 27 has no control socket to turn off
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from sipadu.app import create_app

        return create_app()
