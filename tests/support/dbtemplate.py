"""Migrated test databases without running Alembic for every test.

Alembic takes a few hundred milliseconds per database, and most tests want a fresh one. So each
test process migrates one template per backend, for real, and later empty databases are
cloned from it: a SQLite template file is copied; on PostgreSQL the statements the migrations
sent are recorded once and replayed into the new schema. The schema every test sees is thus
still the one the migrations build (tests/migrations/ checks that a clone equals a migrated
database, and keeps migrating for real itself).
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import make_url

from sipadu import migrate
from sipadu.db import make_engine

Statement = tuple[str, Any]


@dataclass
class _Templates:
    """One test process's templates, built on first use."""

    sqlite_file: Path | None = None
    postgres: dict[str, list[Statement]] = field(default_factory=dict)


_TEMPLATES = _Templates()


def migrated(url: str, schema: str | None = None) -> bool:
    """Bring a test database to head: cloned from the template when empty, else migrated.

    Returns True when it was cloned.
    """
    backend = make_url(url).get_backend_name()
    if backend == "sqlite" and _clone_sqlite(url):
        return True
    engine = make_engine(url, schema)
    try:
        if backend == "postgresql" and schema is not None and _clone_postgres(engine, url):
            return True
        migrate.upgrade(engine)
        return False
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _clone_sqlite(url: str) -> bool:
    target = _sqlite_path(url)
    if target is None or target.exists() or not target.parent.is_dir():
        return False
    if _TEMPLATES.sqlite_file is None:
        _TEMPLATES.sqlite_file = _build_sqlite_template()
    shutil.copyfile(_TEMPLATES.sqlite_file, target)
    return True


def _build_sqlite_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sipadu-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    # Fold the write-ahead log into the file, so one file is the whole database.
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _clone_postgres(engine: Engine, url: str) -> bool:
    if inspect(engine).get_table_names():
        return False
    if url not in _TEMPLATES.postgres:
        _TEMPLATES.postgres[url] = _record_postgres_migration(url)
    with engine.begin() as connection:
        for statement, parameters in _TEMPLATES.postgres[url]:
            connection.exec_driver_sql(statement, parameters)
    return True


def _record_postgres_migration(url: str) -> list[Statement]:
    """Migrate a scratch schema and keep every statement that changed it, in order."""
    schema = f"template_{secrets.token_hex(6)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema)
    recorded: list[Statement] = []

    def _record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
    ) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "SHOW")):
            recorded.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", _record)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    # A statement naming the scratch schema would not replay elsewhere.
    if any(schema in statement for statement, _ in recorded):
        raise RuntimeError("a migration names its schema; the template cannot be replayed")
    return recorded
