"""Migrated test databases without running Alembic for every test.

Alembic takes a few hundred milliseconds per database, and most tests want a fresh one. So each
test process migrates one template per backend, for real, and later empty databases are
cloned from it: a SQLite template file is copied; on PostgreSQL the statements the migrations
sent are recorded once and replayed into the new schema. The schema every test sees is thus
still the one the migrations build (tests/migrations/ checks that a clone equals a migrated
database, and keeps migrating for real itself).

Replaying the DDL and dropping the schema afterwards still cost most of a second per
PostgreSQL test, so a cloned schema is recycled: when its test ends, its rows are deleted, the
template's own rows and sequence positions are copied back from a pristine clone kept for that
purpose, and - only if its shape (columns, defaults, constraints, indexes, triggers, functions)
still equals the template's - it is renamed into this process's pool. The next clone is taken
from the pool by renaming it to the schema its test asked for. A schema a test changed, or one
that cannot be reset, is dropped as before.
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

from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url

from sipadu import migrate
from sipadu.db import make_engine

Statement = tuple[str, Any]


@dataclass
class _PostgresTemplate:
    """The recorded migration for one PostgreSQL server, and its pool of reset schemas."""

    statements: list[Statement]
    pristine: str
    tables: list[str]
    seeded_tables: list[str]
    sequences: list[str]
    shape: str
    pool: list[str] = field(default_factory=list)


@dataclass
class _Templates:
    """One test process's templates, built on first use."""

    sqlite_file: Path | None = None
    postgres: dict[str, _PostgresTemplate] = field(default_factory=dict)
    # Schemas handed out as clones (replayed or from the pool): their server's URL.
    cloned: dict[str, str] = field(default_factory=dict)


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
        if backend == "postgresql" and schema is not None and _clone_postgres(engine, url, schema):
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


def _clone_postgres(engine: Engine, url: str, schema: str) -> bool:
    if inspect(engine).get_table_names():
        return False
    template = _postgres_template(url)
    with engine.begin() as connection:
        if template.pool:
            # No CASCADE: the asked-for schema is empty, or this fails loudly.
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}"')
            connection.exec_driver_sql(f'ALTER SCHEMA "{template.pool.pop()}" RENAME TO "{schema}"')
        else:
            _replay(connection, template.statements)
    _TEMPLATES.cloned[schema] = url
    return True


def release_postgres(admin: Engine, schema: str) -> bool:
    """Reset a cloned schema to the template's state and pool it for the next clone.

    Returns False when the schema was no clone or could not be reset; the caller drops it.
    """
    url = _TEMPLATES.cloned.pop(schema, None)
    if url is None:
        return False
    template = _TEMPLATES.postgres[url]
    spare = f"pool_{secrets.token_hex(6)}"
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(_reset_sql(template, schema))
            if _shape(connection, schema) != template.shape:
                raise _ChangedSchemaError(schema)
            connection.exec_driver_sql(f'ALTER SCHEMA "{schema}" RENAME TO "{spare}"')
    except Exception:  # whatever went wrong, the slow way (a drop) is safe
        return False
    template.pool.append(spare)
    return True


class _ChangedSchemaError(Exception):
    """A test changed its schema's shape, so it is dropped instead of reused."""


def _replay(connection: Connection, statements: list[Statement]) -> None:
    for statement, parameters in statements:
        connection.exec_driver_sql(statement, parameters)


def _reset_sql(template: _PostgresTemplate, schema: str) -> str:
    """One round trip: empty every table, copy back the template's rows and sequences.

    Every name comes from the catalog of a schema this process created, never from input.
    """
    target, pristine = f'"{schema}"', f'"{template.pristine}"'
    # As replica, foreign keys and the audit log's append-only triggers do not fire.
    parts = ["SET LOCAL session_replication_role = replica", "SET LOCAL lock_timeout = '5s'"]
    parts += [f'DELETE FROM {target}."{table}"' for table in template.tables]  # noqa: S608
    parts += [
        f'INSERT INTO {target}."{table}" SELECT * FROM {pristine}."{table}"'  # noqa: S608
        for table in template.seeded_tables
    ]
    parts += [
        f"SELECT setval('{target}.\"{sequence}\"', last_value, is_called)"  # noqa: S608
        f' FROM {pristine}."{sequence}"'
        for sequence in template.sequences
    ]
    return ";\n".join(parts)


# Everything about a schema's shape a test could change, without the schema's own name.
_SHAPE_SQL = """
SELECT md5(coalesce(string_agg(replace(item, :schema || '.', ''), '|' ORDER BY item), ''))
FROM (
    SELECT 'col:' || c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
           || ':' || a.attnotnull || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
           AS item
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = :schema AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'con:' || co.conname || ':' || pg_get_constraintdef(co.oid)
    FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
    WHERE n.nspname = :schema
    UNION ALL
    SELECT 'idx:' || indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = :schema
    UNION ALL
    SELECT 'trg:' || t.tgname || ':' || t.tgenabled::text
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = :schema AND NOT t.tgisinternal
    UNION ALL
    SELECT 'fn:' || p.proname || ':' || md5(p.prosrc)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = :schema
) AS shape
"""


def _shape(connection: Connection, schema: str) -> str:
    return str(connection.execute(text(_SHAPE_SQL), {"schema": schema}).scalar_one())


def _postgres_template(url: str) -> _PostgresTemplate:
    """This process's template for ``url``, built on first use: the migration's statements
    and a pristine clone to copy the template's rows and sequence positions from."""
    if url in _TEMPLATES.postgres:
        return _TEMPLATES.postgres[url]
    statements = _record_postgres_migration(url)
    pristine = f"pristine_{secrets.token_hex(6)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{pristine}"')
        connection.exec_driver_sql(f'SET LOCAL search_path TO "{pristine}"')
        _replay(connection, statements)
        tables = sorted(inspect(connection).get_table_names(schema=pristine))
        seeded = [
            table
            for table in tables
            if connection.exec_driver_sql(
                f'SELECT 1 FROM "{pristine}"."{table}" LIMIT 1'  # noqa: S608 - catalog names
            ).first()
        ]
        sequences = sorted(inspect(connection).get_sequence_names(schema=pristine))
        shape = _shape(connection, pristine)
    template = _PostgresTemplate(statements, pristine, tables, seeded, sequences, shape)
    _TEMPLATES.postgres[url] = template
    atexit.register(_drop_template_schemas, admin, template)
    return template


def _drop_template_schemas(admin: Engine, template: _PostgresTemplate) -> None:
    try:
        with admin.begin() as connection:
            for schema in [template.pristine, *template.pool]:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        admin.dispose()


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
