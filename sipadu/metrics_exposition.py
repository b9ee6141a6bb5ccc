"""The metrics of all of a server's workers, on a bind of their own (``SIPADU_METRICS_BIND``).

Off unless the bind is set. ``sipadu serve`` then creates a fresh folder for this start,
points prometheus_client's multi-process mode at it (``PROMETHEUS_MULTIPROC_DIR``) before
any worker is forked, and answers scrapes from gunicorn's master process on the metrics bind
only: the sum of every worker's files. The public port has no metrics route at all (404).
When a worker exits, its share of the "now" gauges (Argon2 slots, key-check slots) is
dropped, so they count live workers only; its counters stay, so totals never go backwards.
When the server stops, the folder is removed: counters start at zero with each start, as
Prometheus expects of a restarted process.

The folder holds counts by endpoint name, status code and the like, never anything about a
request; a crash that leaves it behind leaves nothing else (systemd's ``PrivateTmp`` removes
it with the service).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from sipadu.metrics import MULTIPROC_ENV, enable_multiprocess


class MetricsBindError(ValueError):
    """``SIPADU_METRICS_BIND`` is not HOST:PORT."""


def parse_bind(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (an IPv6 host in brackets, ``[::1]:9100``) as ``(host, port)``."""
    host, separator, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise MetricsBindError(f"SIPADU_METRICS_BIND must be HOST:PORT, got {text!r}")
    return host, int(port)


class MetricsExposition:
    """This server start's metrics folder and the HTTP server that answers scrapes.

    Created in the process that becomes gunicorn's master, before it forks any worker;
    :meth:`close` acts in that process only (a forked worker unwinding its stack must neither
    stop the master's server nor remove the folder other workers still write to)."""

    def __init__(self, bind: str) -> None:
        host, port = parse_bind(bind)
        self.directory = tempfile.mkdtemp(prefix="sipadu-metrics-")
        self._owner = os.getpid()
        self._closed = False
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.directory)  # type: ignore[no-untyped-call]
        try:
            self._server, _thread = start_http_server(port, host, registry)
        except OSError:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        enable_multiprocess(self.directory)

    def worker_exited(self, pid: int) -> None:
        """Drop a dead worker's "now" gauges (gunicorn's ``child_exit`` hook)."""
        mark_process_dead(pid, self.directory)  # type: ignore[no-untyped-call]

    def close(self) -> None:
        """Stop answering scrapes and remove the folder (idempotent; the master only)."""
        if self._closed or os.getpid() != self._owner:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self.directory, ignore_errors=True)
        if os.environ.get(MULTIPROC_ENV) == self.directory:
            del os.environ[MULTIPROC_ENV]
