"""Health probes for a load balancer: ``/healthz`` (the process answers) and ``/readyz``
(this server can serve requests now).

``/readyz`` checks the database (``SELECT 1``), the blob store (a tiny blob is written under
a new id and deleted, at most every ``BLOB_PROBE_SECONDS`` per process, and again at once
after any upload failed: an object store can accept connections yet refuse every write)
and, when ``SIPADU_REDIS_URL`` is set, Redis (a ``PING``, and the rate limiter's own
state). It answers 200 ``ready`` or 503 ``not ready: database, blob-store``:
the names of the components that are down, nothing else. No version, host, path or exception
text leaves the server: whoever can reach the probe learns only what the balancer needs.

Redis down does not make a server unready. Every server shares the one Redis, so a 503 for it
would take every server out of the balancer at once, while SIPADU keeps serving without it
(rate limits then hold per server, docs/deployment.md): the answer stays 200 and says
``ready, degraded: redis``.

Both probes are public, exempt from rate limits (a balancer polls every few seconds from one
address), leave no access-log line (only staff paths are logged, ``logging_privacy.py``) and
set no cookie. They carry the security headers of every answer.
"""

from __future__ import annotations

import errno
import logging
import re
import time
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app

from sipadu.app_context import current_settings
from sipadu.db import get_engine
from sipadu.storage.base import BlobStore, BlobStoreError, last_write_failure
from sipadu.web.auth import public
from sipadu.web.key_check_slots import key_check_redis_down
from sipadu.web.ratelimit import limiter, limiter_backend_state
from sipadu.web.ratelimit_failover import LimiterBackend

DATABASE, BLOB_STORE, REDIS = "database", "blob-store", "redis"
# A probe must answer well within a balancer's check interval.
REDIS_TIMEOUT_SECONDS = 1
_REDIS_EXTENSION = "sipadu.health.redis"
BLOB_PROBE_SECONDS = 30.0
_BLOB_PROBE_EXTENSION = "sipadu.health.blob_probe"
PROBE_CONTENT = b"sipadu readiness probe"
# A store error's code as the S3 store words it ("S3 publish failed (InsufficientStorage)").
_CODE = re.compile(r"\(([A-Za-z0-9_.-]{1,64})\)")
log = logging.getLogger("sipadu.health")

bp = Blueprint("health", __name__)


@dataclass(frozen=True)
class Readiness:
    """Which components are down (the server is not ready) or degraded (it serves anyway)."""

    down: tuple[str, ...]
    degraded: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.down

    def text(self) -> str:
        """The probe's body: component names only."""
        if self.down:
            return f"not ready: {', '.join(self.down)}\n"
        if self.degraded:
            return f"ready, degraded: {', '.join(self.degraded)}\n"
        return "ready\n"


def database_answers(app: Flask) -> bool:
    """``SELECT 1`` on a raw connection: no ``BEGIN IMMEDIATE``, so a probe never waits for,
    or takes, SQLite's write lock."""
    try:
        connection = get_engine(app).raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            return cursor.fetchone() is not None
        finally:
            connection.close()
    except Exception:  # any failure means the same to a balancer: not ready
        return False


def store_error_code(error: Exception) -> str:
    """The store's error code or the OS error name: never a path, a key or a message."""
    if isinstance(error, OSError) and error.errno is not None:
        return errno.errorcode.get(error.errno, "")
    if isinstance(error, BlobStoreError) and (found := _CODE.search(str(error))):
        return found.group(1)
    return ""


def write_probe(store: BlobStore) -> bool:
    """A blob written under a new id (create-only) and deleted, then the store's own check.
    A failure is logged here, outside any reporter request: the upload that failed has no
    log line of its own."""
    try:
        writer = store.open_writer(max_size=len(PROBE_CONTENT))
        with writer:
            writer.write(PROBE_CONTENT)
            blob_id = writer.commit()
        store.delete(blob_id)
        store.check()
    except Exception as error:  # a full disk, a missing mount, a refused write: not ready
        log.error("blob store refuses writes: %s %s", type(error).__name__, store_error_code(error))
        return False
    return True


def blob_store_writable(app: Flask, store: BlobStore) -> bool:
    """The last write probe's result while it is fresh: younger than ``BLOB_PROBE_SECONDS``,
    for this store, and no blob write has failed since."""
    cached = app.extensions.get(_BLOB_PROBE_EXTENSION)
    now = time.monotonic()
    if (
        cached is not None
        and cached[0] is store
        and now - cached[1] < BLOB_PROBE_SECONDS
        and last_write_failure() < cached[1]
    ):
        return bool(cached[2])
    writable = write_probe(store)
    app.extensions[_BLOB_PROBE_EXTENSION] = (store, time.monotonic(), writable)
    return writable


def redis_answers(app: Flask, url: str) -> bool:
    """A ``PING`` to Redis, the rate limiter not counting in its fallback file, and the
    case-key check slots holding their shared leases."""
    import redis  # only instances with Redis pay for the import (every CLI run loads this)

    client = app.extensions.get(_REDIS_EXTENSION)
    if client is None:
        client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        app.extensions[_REDIS_EXTENSION] = client
    # Asked first, whatever the PING says: the limiter writes here the lines about Redis it
    # held back while serving a reporter (sipadu/web/redis_outage.py); so do the key checks.
    counting = limiter_backend_state()
    key_checks_alone = key_check_redis_down(app)
    try:
        answered = bool(client.ping())
    except redis.RedisError:
        return False
    return answered and counting is not LimiterBackend.LOCAL_FILE_FALLBACK and not key_checks_alone


def check_readiness(app: Flask) -> Readiness:
    """Every component's state, checked now."""
    down = []
    if not database_answers(app):
        down.append(DATABASE)
    if not blob_store_writable(app, app.extensions["sipadu.blobs"]):
        down.append(BLOB_STORE)
    redis_url = current_settings(app).redis_url
    degraded = () if redis_url is None or redis_answers(app, redis_url) else (REDIS,)
    return Readiness(tuple(down), degraded)


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")


@bp.get("/healthz")
@public
@limiter.exempt
def healthz() -> Response:
    """The process answers: 200 ``ok``, touching nothing else (a liveness probe)."""
    return _plain("ok\n", 200)


@bp.get("/readyz")
@public
@limiter.exempt
def readyz() -> Response:
    """200 when this server can serve requests, else 503 naming what is down (a readiness
    probe for the load balancer)."""
    readiness = check_readiness(current_app)
    return _plain(readiness.text(), 200 if readiness.ready else 503)


def register_routes(app: Flask) -> None:
    """Register the probes on ``app``."""
    app.register_blueprint(bp)
