"""Migrations, in the SecureDrop manner: head equals the models, every revision goes up and
down, and revisions that touch existing data prove it with data (``data/<revision>.py``)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

import sipadu.models  # noqa: F401
from sipadu import migrate
from sipadu.db import Base, make_engine
from tests.support.instance import Database


def _revisions() -> list[str]:
    """Revision ids from oldest to newest."""
    engine = make_engine("sqlite://")
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _down_revision(revision: str) -> str:
    engine = make_engine("sqlite://")
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    down = script.get_revision(revision).down_revision
    assert down is None or isinstance(down, str), "SIPADU keeps a linear history"
    return down or "base"


def _data_modules() -> list[str]:
    return [
        rev
        for rev in _revisions()
        if importlib.util.find_spec(f"tests.migrations.data.{rev}") is not None
    ]


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    eng = make_engine(database.url, database.schema)
    yield eng
    eng.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_history_is_linear_and_named() -> None:
    revisions = _revisions()
    assert revisions, "there must be at least one revision"
    for revision in revisions[1:]:
        assert _down_revision(revision) in revisions


def test_head_schema_equals_models(engine: Engine) -> None:
    migrate.upgrade(engine, "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"models and migrations disagree: {differences}"
    assert _tables(engine) == set(Base.metadata.tables)


def test_every_revision_upgrades_and_downgrades(engine: Engine) -> None:
    for revision in _revisions():
        migrate.upgrade(engine, revision)
        assert migrate.current_revision(engine) == revision
        migrate.downgrade(engine, _down_revision(revision))
        migrate.upgrade(engine, revision)
        assert migrate.current_revision(engine) == revision
    migrate.downgrade(engine, "base")
    assert _tables(engine) == set()
    assert migrate.current_revision(engine) is None


@pytest.mark.parametrize("revision", _data_modules())
def test_revision_keeps_data(engine: Engine, revision: str) -> None:
    """Each data module seeds rows before a revision and checks them after, both ways."""
    module = importlib.import_module(f"tests.migrations.data.{revision}")
    previous = _down_revision(revision)
    if previous != "base":
        migrate.upgrade(engine, previous)
    with engine.begin() as connection:
        module.before_upgrade(connection)
    migrate.upgrade(engine, revision)
    with engine.begin() as connection:
        module.after_upgrade(connection)
        module.before_downgrade(connection)
    migrate.downgrade(engine, previous)
    with engine.begin() as connection:
        module.after_downgrade(connection)


def _model_checks() -> dict[str, set[str]]:
    """CHECK constraint names per table, as the models declare them."""
    checks: dict[str, set[str]] = {}
    for table in Base.metadata.sorted_tables:
        names = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
        if names:
            checks[table.name] = names
    return checks


def test_head_has_the_models_check_constraints(engine: Engine) -> None:
    """Alembic does not compare CHECK constraints; the names must match at head."""
    migrate.upgrade(engine, "head")
    inspector = inspect(engine)
    reflected = {
        table: {str(c["name"]) for c in inspector.get_check_constraints(table)}
        for table in _model_checks()
    }
    assert reflected == _model_checks()
    assert reflected["staff_accounts"] == {"ck_staff_accounts_role"}


@pytest.mark.parametrize(
    ("statement", "column"),
    [
        ("UPDATE staff_accounts SET role = 'superadmin'", "role"),
        ("UPDATE cases SET category = 'korupsi'", "category"),
        ("UPDATE case_grants SET reason = 'curiosity'", "reason"),
        ("UPDATE auth_sessions SET channel = 'sms'", "channel"),
    ],
)
def test_database_refuses_a_value_outside_the_enum(
    engine: Engine, statement: str, column: str
) -> None:
    migrate.upgrade(engine, "head")
    data = importlib.import_module("tests.migrations.data.0009_domain_checks")
    with engine.begin() as connection:
        data.before_upgrade(connection)
    refused = pytest.raises(IntegrityError, match=f"(?i)ck_[a-z_]+_{column}|CHECK constraint")
    with refused, engine.begin() as connection:
        connection.execute(text(statement))
    with engine.connect() as connection:
        data._rows_unchanged(connection)
