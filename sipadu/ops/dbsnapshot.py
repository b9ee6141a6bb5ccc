"""Consistent database snapshots, and loading one into another database.

* SQLite: the online backup API copies the database in one step (a consistent snapshot,
  writers carry on in WAL mode) into a file.
* PostgreSQL: every table is exported at REPEATABLE READ, read only, in one transaction, as
  JSON lines with tagged values. Chosen over ``pg_dump`` so a restore works into any schema and
  any server version, and a SQLite backup can be restored into PostgreSQL (and back).

Both snapshots hold only what the database holds: ciphertext and operator-visible metadata.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Integer, MetaData, Table, create_engine, select, text
from sqlalchemy.engine import make_url

VERSION_TABLE = "alembic_version"
_BATCH = 500
Row = dict[str, Any]


def backend_of(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``."""
    return engine.url.get_backend_name()


def snapshot_sqlite(engine: Engine, dest: Path) -> None:
    """Copy the live SQLite database into ``dest`` with the online backup API (one step)."""
    path = make_url(str(engine.url)).database
    if not path:
        raise ValueError("an in-memory SQLite database cannot be backed up")
    source = sqlite3.connect(path)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # pages=-1: the whole database in one consistent step
    finally:
        target.close()
        source.close()


def _utc(value: datetime) -> datetime:
    # SQLite keeps timestamps naive (they are UTC); PostgreSQL returns them in the session's
    # time zone. Normalising to aware UTC keeps a restore exact across backends.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _normalise(row: Row) -> Row:
    return {
        key: _utc(value) if isinstance(value, datetime) else value for key, value in row.items()
    }


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$t": _utc(value).isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$b" in value:
            return base64.b64decode(value["$b"])
        if "$t" in value:
            return _utc(datetime.fromisoformat(value["$t"]))
        if "$d" in value:
            return date.fromisoformat(value["$d"])
    return value


def _revision(connection: Connection) -> str | None:
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _ordered_rows(connection: Connection, table: Table) -> Iterator[Row]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in connection.execute(select(table).order_by(*order)).mappings():
        yield dict(row)


def export_postgres(engine: Engine, dest: Path) -> list[str]:
    """Export every table at REPEATABLE READ into ``dest``; returns the referenced blob ids."""
    blob_ids: list[str] = []
    with (
        engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
        dest.open("w", encoding="utf-8") as out,
    ):
        connection.execute(text("SET TRANSACTION READ ONLY"))
        meta = MetaData()
        meta.reflect(connection)
        out.write(json.dumps({"revision": _revision(connection)}) + "\n")
        for table in meta.sorted_tables:
            if table.name == VERSION_TABLE:
                continue
            for row in _ordered_rows(connection, table):
                if table.name == "attachments":
                    blob_ids.append(str(row["blob_id"]))
                encoded = {key: _encode(value) for key, value in row.items()}
                out.write(json.dumps({"t": table.name, "r": encoded}) + "\n")
        connection.rollback()
    return blob_ids


def sqlite_blob_ids(path: Path) -> list[str]:
    """Blob ids referenced by a SQLite snapshot file."""
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT blob_id FROM attachments")]
    finally:
        connection.close()


class Snapshot:
    """A snapshot read back: its schema revision and its rows, table by table."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path, self.kind = path, kind
        self.revision = self._read_revision()

    def _read_revision(self) -> str | None:
        if self.kind == "jsonl":
            with self.path.open(encoding="utf-8") as lines:
                first = json.loads(lines.readline() or "{}")
            revision = first.get("revision")
            return str(revision) if revision else None
        engine = create_engine(f"sqlite:///{self.path}")
        try:
            with engine.connect() as connection:
                return _revision(connection)
        finally:
            engine.dispose()

    def rows(self) -> Iterator[tuple[str, Row]]:
        """``(table, row)`` pairs, parents before children."""
        if self.kind == "jsonl":
            with self.path.open(encoding="utf-8") as lines:
                lines.readline()
                for line in lines:
                    item = json.loads(line)
                    yield item["t"], {k: _decode(v) for k, v in item["r"].items()}
            return
        engine = create_engine(f"sqlite:///{self.path}")
        try:
            with engine.connect() as connection:
                meta = MetaData()
                meta.reflect(connection)
                for table in meta.sorted_tables:
                    if table.name != VERSION_TABLE:
                        for row in _ordered_rows(connection, table):
                            yield table.name, _normalise(row)
        finally:
            engine.dispose()


def clear_tables(connection: Connection, meta: MetaData) -> None:
    """Delete every row (children first); the schema and its revision stay."""
    for table in reversed(meta.sorted_tables):
        if table.name != VERSION_TABLE:
            connection.execute(table.delete())


def load_rows(
    connection: Connection,
    meta: MetaData,
    rows: Iterator[tuple[str, Row]],
) -> dict[str, int]:
    """Insert snapshot rows in batches; returns rows per table."""
    counts: dict[str, int] = {}
    batch: list[Row] = []
    current: str | None = None
    for name, row in rows:
        if name != current or len(batch) >= _BATCH:
            if batch and current is not None:
                connection.execute(meta.tables[current].insert(), batch)
            batch, current = [], name
        batch.append(row)
        counts[name] = counts.get(name, 0) + 1
    if batch and current is not None:
        connection.execute(meta.tables[current].insert(), batch)
    if connection.engine.url.get_backend_name() == "postgresql":
        _reset_sequences(connection, meta)
    return counts


def _reset_sequences(connection: Connection, meta: MetaData) -> None:
    # Rows arrived with their ids; move each serial sequence past them. (A text id, such as
    # the day queue's random one, has no sequence.)
    for table in meta.sorted_tables:
        if "id" in table.columns and isinstance(table.columns["id"].type, Integer):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name} "
                    f"WHERE pg_get_serial_sequence('{table.name}', 'id') IS NOT NULL"
                )
            )
