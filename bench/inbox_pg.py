"""The seeded SQLite instance copied into a fresh PostgreSQL schema, for the inbox bench.

The schema is made by the migrations (as ``sipadu init`` would), then every table's rows are
copied verbatim from the SQLite cache: the same service-made ciphertext, grants and metadata.
Sequences are moved past the copied ids and the tables analysed, as autovacuum would soon do
on a server that had received these rows one by one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select, text

import sipadu.models  # noqa: F401  (every table in the metadata)
from sipadu import migrate
from sipadu.db import Base, make_engine
from tests.support.instance import Database

CHUNK = 5_000


def _copy_table(source: Connection, target: Connection, table_name: str) -> int:
    table = Base.metadata.tables[table_name]
    copied = 0
    result = source.execution_options(stream_results=True, yield_per=CHUNK).execute(select(table))
    for chunk in result.mappings().partitions(CHUNK):
        target.execute(insert(table), [dict(row) for row in chunk])
        copied += len(chunk)
    return copied


def _reset_sequences(target: Connection, schema: str) -> None:
    for table in Base.metadata.sorted_tables:
        if (
            "id" in table.c
            and table.c.id.autoincrement is not False
            and table.c.id.type.python_type is int
        ):
            sequence = target.scalar(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{schema}.{table.name}"}
            )
            if sequence:
                target.execute(
                    text(
                        f"SELECT setval('{sequence}', "  # noqa: S608
                        f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, "
                        "false)"
                    )
                )


def load_into(sqlite_file: Path, target: Engine, schema: str) -> dict[str, int]:
    """Replace every table's rows in ``target`` (migrated) with those of ``sqlite_file``."""
    source_engine = make_engine(f"sqlite:///{sqlite_file}")
    counts = {}
    try:
        with source_engine.connect() as source, target.begin() as connection:
            # SQLite hands back naive UTC times; read them as UTC, whatever the server's zone.
            connection.execute(text("SET LOCAL TIME ZONE 'UTC'"))
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(delete(table))
            for table in Base.metadata.sorted_tables:
                counts[table.name] = _copy_table(source, connection, table.name)
            _reset_sequences(connection, schema)
        with target.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    finally:
        source_engine.dispose()
    return counts


@contextmanager
def postgres_copy(sqlite_file: Path, url: str) -> Iterator[Database]:
    """A fresh schema in ``url`` holding the SQLite instance's rows; dropped afterwards."""
    schema = f"bench_inbox_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = make_engine(url, schema)
        try:
            migrate.upgrade(engine)
            load_into(sqlite_file, engine, schema)
        finally:
            engine.dispose()
        yield Database("postgresql", url, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
