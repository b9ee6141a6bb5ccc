"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``SIPADU_TEST_POSTGRES_URL`` (default: the local test database). Each
test gets its own schema, dropped afterwards. Locally an unreachable PostgreSQL skips those
tests; with ``CI=true`` it fails them, so CI can never pass without running them.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from sipadu import create_app
from sipadu.crypto.params import Argon2Params
from sipadu.db import db_session, make_engine
from sipadu.keyring import make_test_keyring
from sipadu.settings import Settings
from tests.support.compiled_once import install as compile_once
from tests.support.dbtemplate import migrated, release_postgres
from tests.support.instance import Database
from tests.support.module_times import module_seconds
from tests.support.seaweedfs import SeaweedFS, seaweedfs_or_skip

POSTGRES_URL = os.environ.get(
    "SIPADU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Tests never wait for production-strength Argon2; one test checks the defaults instead.
TEST_ARGON2 = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
# Nearly every test creates an app; its routes' URL builders and its templates are compiled
# once per process instead of once per app (tests/support/compiled_once.py).
compile_once()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest modules run first (``tests/support/module_times.py``).

    Under pytest-xdist (``--dist loadfile``, with ``--no-loadscope-reorder`` in the pytest
    options so xdist keeps this order rather than its own by test count) modules are handed
    out in collection order; a minutes-long module handed out last kept one process busy
    while the other idled. The sort is stable, so every module's tests stay together and in
    their own order.
    """
    slow = {
        item.nodeid.split("::")[0]
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("e2e")
    }

    def seconds(item: pytest.Item) -> float:
        module = item.nodeid.split("::")[0]
        return module_seconds(module, slow=module in slow)

    items.sort(key=lambda item: -seconds(item))


@pytest.fixture(autouse=True)
def private_temp_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test's temporary files go to a folder of its own (``tempfile`` and ``TMPDIR``, so
    subprocesses the test starts inherit it): a test that checks no plaintext temporary file
    was left behind scans that folder, never the whole system temp folder other tests and
    other programs write to at the same time."""
    folder = tmp_path_factory.mktemp("temp")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def _postgres_problem() -> str | None:
    try:
        engine = make_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure to reach it is reported the same way
        return f"{type(error).__name__}: {error}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL URL, or skip (fail under CI) when it cannot be reached."""
    problem = _postgres_problem()
    if problem:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable: {problem}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[SeaweedFS]:
    """A real S3 server (SeaweedFS), started once per test process; skips (fails under CI)
    when it cannot start. Tests take a bucket of their own with ``new_bucket()``."""
    yield from seaweedfs_or_skip()


def postgres_schema(url: str) -> Iterator[Database]:
    """A fresh schema on the PostgreSQL at ``url`` for one test, dropped afterwards."""
    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Database("postgresql", url, schema)
    finally:
        # A clone of the template is reset and kept for the next test (dbtemplate.py).
        if not release_postgres(admin, schema):
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path / 'sipadu.sqlite3'}")
        return
    yield from postgres_schema(request.getfixturevalue("postgres_url"))


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Database:
    """An empty SQLite database, for tests where the backend does not matter."""
    return Database("sqlite", f"sqlite:///{tmp_path / 'sipadu.sqlite3'}")


def make_settings(tmp_path: Path, db: Database, **overrides: object) -> Settings:
    """Test settings: temporary folders, fresh random keys, cheap Argon2."""
    values: dict[str, object] = {
        "instance_dir": tmp_path / "instance",
        "keys_dir": tmp_path / "keys",
        "database_url": db.url,
        "database_schema": db.schema,
        "testing": True,
        "keyring": make_test_keyring(),
        "argon2": TEST_ARGON2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def build_app(settings: Settings) -> Flask:
    """Create the schema through the migrations (as production does), then the app.

    An empty database is cloned from this process's migrated template (tests/support/dbtemplate.py).
    """
    migrated(settings.database_url, settings.database_schema)
    return create_app(settings)


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return make_settings(tmp_path, database)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """A migrated app on each backend."""
    application = build_app(settings)
    yield application
    application.extensions["sipadu.engine"].dispose()


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    """A migrated app on SQLite only, for behaviour that does not touch the database."""
    application = build_app(make_settings(tmp_path, sqlite_database))
    yield application
    application.extensions["sipadu.engine"].dispose()


@pytest.fixture
def client(sqlite_app: Flask) -> FlaskClient:
    return sqlite_app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """The request-scoped session of an app context on each backend."""
    with app.app_context():
        yield db_session()
