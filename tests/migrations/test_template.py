"""A database cloned from the per-process template is the one the migrations build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, inspect, select, text

from sipadu import migrate
from sipadu.db import make_engine
from tests.conftest import postgres_schema
from tests.support.dbtemplate import migrated
from tests.support.instance import Database


@pytest.fixture
def other_database(database: Database, tmp_path: Path) -> Iterator[Database]:
    """A second empty database on the same backend."""
    if database.backend == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path / 'other.sqlite3'}")
        return
    yield from postgres_schema(database.url)


def _describe(engine: Engine) -> dict[str, Any]:
    """Everything about the schema and rows that a test could notice."""
    inspector = inspect(engine)
    described: dict[str, Any] = {
        table: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table),
            "fks": sorted(map(repr, inspector.get_foreign_keys(table))),
            "indexes": sorted(map(repr, inspector.get_indexes(table))),
            "unique": sorted(map(repr, inspector.get_unique_constraints(table))),
            "checks": sorted(map(repr, inspector.get_check_constraints(table))),
        }
        for table in inspector.get_table_names()
    }
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        for name, table in metadata.tables.items():
            described[name]["rows"] = sorted(map(repr, connection.execute(select(table))))
    return described


def _engine(database: Database) -> Engine:
    return make_engine(database.url, database.schema)


def test_a_clone_equals_a_migrated_database(database: Database, other_database: Database) -> None:
    real = _engine(database)
    migrate.upgrade(real)
    assert migrated(other_database.url, other_database.schema), "the template was not used"
    clone = _engine(other_database)
    try:
        assert migrate.is_up_to_date(clone)
        described = _describe(clone)
        assert described == _describe(real)
        assert described["audit_head"]["rows"], "the migrations' own rows were not carried"
    finally:
        real.dispose()
        clone.dispose()


def test_a_database_with_tables_is_migrated_not_replaced(database: Database) -> None:
    engine = _engine(database)
    migrate.upgrade(engine, _first_revision(engine))
    try:
        assert not migrated(database.url, database.schema)
        assert migrate.is_up_to_date(engine)
    finally:
        engine.dispose()


def _first_revision(engine: Engine) -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    return list(script.walk_revisions())[-1].revision


def _schema_of(postgres_url: str) -> tuple[Iterator[Database], Database]:
    schemas = postgres_schema(postgres_url)
    return schemas, next(schemas)


def _release(schemas: Iterator[Database]) -> None:
    """End a ``postgres_schema`` as its fixture would: reset and pool it, or drop it."""
    with pytest.raises(StopIteration):
        next(schemas)


def test_a_recycled_clone_equals_a_migrated_database(postgres_url: str) -> None:
    """A clone whose test changed rows and moved sequences is handed out again as new."""
    schemas, used = _schema_of(postgres_url)
    assert migrated(used.url, used.schema)
    engine = _engine(used)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM routing_rules"))
        connection.execute(text("UPDATE units SET name = name || ' (renamed)'"))
        connection.execute(
            text(
                "INSERT INTO units (code, name, is_head, created_at)"
                " VALUES ('extra', 'Extra', false, now())"
            )
        )
    engine.dispose()
    _release(schemas)

    fresh_schemas, fresh = _schema_of(postgres_url)
    real_schemas, real = _schema_of(postgres_url)
    try:
        assert migrated(fresh.url, fresh.schema)
        real_engine, fresh_engine = _engine(real), _engine(fresh)
        migrate.upgrade(real_engine)
        with fresh_engine.begin() as connection:
            # The sequence is back where the template left it: the next unit takes its id.
            next_id = connection.execute(
                text(
                    "INSERT INTO units (code, name, is_head, created_at)"
                    " VALUES ('next', 'Next', false, now()) RETURNING id"
                )
            ).scalar_one()
            connection.execute(text("DELETE FROM units WHERE code = 'next'"))
        assert next_id == len(_describe(real_engine)["units"]["rows"]) + 1
        assert _describe(fresh_engine) == _describe(real_engine)
        real_engine.dispose()
        fresh_engine.dispose()
    finally:
        _release(fresh_schemas)
        _release(real_schemas)


def test_a_clone_whose_shape_a_test_changed_is_dropped(postgres_url: str) -> None:
    schemas, used = _schema_of(postgres_url)
    assert migrated(used.url, used.schema)
    engine = _engine(used)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE units ADD COLUMN stray integer"))
    engine.dispose()
    _release(schemas)

    again_schemas, again = _schema_of(postgres_url)
    try:
        assert migrated(again.url, again.schema)
        engine = _engine(again)
        assert "stray" not in {c["name"] for c in inspect(engine).get_columns("units")}
        engine.dispose()
    finally:
        _release(again_schemas)
