"""The balancer's probes: /healthz answers while the process lives; /readyz answers 503 when
the database or the blob store is down, naming only the component, and stays 200 (degraded)
when only Redis is; neither is rate limited, logged, or sets a cookie."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sipadu.db import make_engine
from sipadu.health import write_probe
from sipadu.logging_privacy import is_logged_path
from sipadu.metrics import metrics
from sipadu.settings import Settings
from sipadu.storage.base import BlobStoreUnavailableError, BlobWriter
from sipadu.storage.filesystem import FilesystemBlobStore
from tests.conftest import build_app
from tests.support.headers import check_security_headers
from tests.support.instance import free_port
from tests.support.redis_server import reachable_redis_url
from tests.support.seaweedfs import SeaweedFS

PROBES = ("/healthz", "/readyz")


def _blob_errors(operation: str) -> float:
    value = metrics().registry.get_sample_value(
        "sipadu_blob_store_errors_total", {"operation": operation}
    )
    return value or 0.0


@contextmanager
def database_unreachable(app: Flask, backend: str, tmp_path: Path) -> Iterator[None]:
    """The app's engine points at a database that cannot be opened, for the block."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.sqlite3'}"
    else:
        url = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # nothing listens on port 1
    real = app.extensions["sipadu.engine"]
    broken = make_engine(url, connect_timeout=2)
    app.extensions["sipadu.engine"] = broken
    try:
        yield
    finally:
        app.extensions["sipadu.engine"] = real
        broken.dispose()


@contextmanager
def blob_store_gone(app: Flask, tmp_path: Path) -> Iterator[None]:
    """The blob store's folder vanishes (an unmounted share), for the block."""
    real = app.extensions["sipadu.blobs"]
    store = FilesystemBlobStore(tmp_path / "mounted-blobs")
    shutil.rmtree(store.root)
    app.extensions["sipadu.blobs"] = store
    try:
        yield
    finally:
        app.extensions["sipadu.blobs"] = real


def test_healthz_says_ok_with_the_usual_headers_and_no_cookie(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")
    assert response.mimetype == "text/plain"
    check_security_headers(response)
    assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_on_each_database(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.text) == (200, "ready\n")
    check_security_headers(response)
    assert "Set-Cookie" not in response.headers


def test_readyz_names_the_database_when_it_is_down_and_nothing_else(
    app: Flask, settings: Settings, tmp_path: Path
) -> None:
    backend = "sqlite" if settings.database_url.startswith("sqlite") else "postgresql"
    with database_unreachable(app, backend, tmp_path):
        response = app.test_client().get("/readyz")
        assert (response.status_code, response.text) == (503, "not ready: database\n")
        check_security_headers(response)
        assert "Set-Cookie" not in response.headers
        # The liveness probe touches no database: the process still answers.
        assert app.test_client().get("/healthz").status_code == 200
    assert app.test_client().get("/readyz").status_code == 200


def test_readyz_names_the_blob_store_when_it_cannot_write(
    sqlite_app: Flask, tmp_path: Path
) -> None:
    before = _blob_errors("open_writer")
    with blob_store_gone(sqlite_app, tmp_path):
        response = sqlite_app.test_client().get("/readyz")
    assert (response.status_code, response.text) == (503, "not ready: blob-store\n")
    assert _blob_errors("open_writer") == before + 1
    assert not list((tmp_path / "instance" / "blobs").glob("tmp-*")), "the probe left a file"


def test_readyz_names_every_component_that_is_down(sqlite_app: Flask, tmp_path: Path) -> None:
    with (
        database_unreachable(sqlite_app, "sqlite", tmp_path),
        blob_store_gone(sqlite_app, tmp_path),
    ):
        response = sqlite_app.test_client().get("/readyz")
    assert (response.status_code, response.text) == (503, "not ready: database, blob-store\n")


def test_a_probe_leaves_no_file_in_the_blob_store(sqlite_app: Flask, tmp_path: Path) -> None:
    for _ in range(3):
        assert sqlite_app.test_client().get("/readyz").status_code == 200
    assert list((tmp_path / "instance" / "blobs").iterdir()) == []


@pytest.fixture
def redis_app(sqlite_app: Flask) -> Iterator[Flask]:
    settings: Settings = sqlite_app.extensions["sipadu.settings"]
    app = build_app(replace(settings, redis_url=reachable_redis_url()))
    yield app
    app.extensions["sipadu.engine"].dispose()


def test_readyz_with_redis_answering_is_ready(redis_app: Flask) -> None:
    response = redis_app.test_client().get("/readyz")
    assert (response.status_code, response.text) == (200, "ready\n")


def test_readyz_with_redis_down_stays_ready_but_says_degraded(sqlite_app: Flask) -> None:
    settings: Settings = sqlite_app.extensions["sipadu.settings"]
    app = build_app(replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    try:
        response = app.test_client().get("/readyz")
    finally:
        app.extensions["sipadu.engine"].dispose()
    # Every server shares the one Redis: a 503 would take them all out of the balancer,
    # while each keeps serving with its own limits.
    assert (response.status_code, response.text) == (200, "ready, degraded: redis\n")


def test_probes_are_not_rate_limited(client: FlaskClient) -> None:
    # 300 per minute for all endpoints together, 60 per minute for each.
    for _ in range(305):
        assert client.get("/healthz").status_code == 200
    for _ in range(65):
        assert client.get("/readyz").status_code == 200
    # The limits still apply elsewhere: the same client has used none of its budget.
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", PROBES)
def test_probes_leave_no_access_log_line(path: str) -> None:
    assert not is_logged_path(path)


class RefusingStore(FilesystemBlobStore):
    """Opens writers but, while ``refusing``, publishes nothing, as an S3 server with no
    writable volume answers: a connection and a bucket check succeed, every upload fails."""

    refusing = True

    def open_writer(self, *, max_size: int | None = None) -> BlobWriter:
        writer = super().open_writer(max_size=max_size)
        if not self.refusing:
            return writer
        return RefusedWriter(writer)


class RefusedWriter(BlobWriter):
    def __init__(self, inner: BlobWriter) -> None:
        self.inner = inner

    def write(self, data: bytes | bytearray | memoryview) -> int:
        return self.inner.write(data)

    def commit(self) -> str:
        self.inner.abort()
        raise BlobStoreUnavailableError("S3 publish failed (InsufficientStorage)")

    def abort(self) -> None:
        self.inner.abort()


@contextmanager
def refusing_store(app: Flask, tmp_path: Path) -> Iterator[RefusingStore]:
    real = app.extensions["sipadu.blobs"]
    store = RefusingStore(tmp_path / "refusing-blobs")
    app.extensions["sipadu.blobs"] = store
    try:
        yield store
    finally:
        app.extensions["sipadu.blobs"] = real


def test_readyz_is_not_ready_when_the_store_refuses_every_write(
    sqlite_app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with refusing_store(sqlite_app, tmp_path), caplog.at_level(logging.ERROR):
        response = sqlite_app.test_client().get("/readyz")
    assert (response.status_code, response.text) == (503, "not ready: blob-store\n")
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["blob store refuses writes: BlobStoreUnavailableError InsufficientStorage"]


def test_a_failed_upload_makes_the_next_readyz_probe_again(
    sqlite_app: Flask, tmp_path: Path
) -> None:
    """The probe's result is kept a while, but not past a write that failed meanwhile."""
    client = sqlite_app.test_client()
    with refusing_store(sqlite_app, tmp_path) as store:
        store.refusing = False
        assert client.get("/readyz").status_code == 200
        store.refusing = True
        assert client.get("/readyz").status_code == 200  # still the cached probe
        with pytest.raises(BlobStoreUnavailableError), store.open_writer() as upload:
            upload.write(b"evidence")
            upload.commit()
        assert client.get("/readyz").text == "not ready: blob-store\n"
        store.refusing = False
        assert client.get("/readyz").status_code == 503  # fresh for BLOB_PROBE_SECONDS
    assert list((tmp_path / "refusing-blobs").iterdir()) == []


def test_thewrite_probe_leaves_an_s3_bucket_empty(seaweedfs: SeaweedFS) -> None:
    store = seaweedfs.store()
    assert write_probe(store)
    assert list(store.blob_ids()) == []
