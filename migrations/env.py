"""Alembic environment: SIPADU passes its engine in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

import sipadu.models  # noqa: F401  (registers every table on the metadata)
from sipadu.db import Base, make_engine
from sipadu.settings import settings_from_env

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    settings = settings_from_env()
    return make_engine(settings.database_url, settings.database_schema)


def _sqlite_foreign_keys(connection: Connection, enabled: bool) -> None:
    """Switch SQLite's foreign keys, outside any transaction (inside one it is a no-op).

    Batch mode rebuilds a table by copying it and dropping the old one; with foreign keys on,
    dropping ``cases`` or ``staff_accounts`` would cascade into every table that refers to it.
    """
    connection.connection.driver_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}"
    )


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit a migration that left a dangling reference while checks were off."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration broke {len(broken)} foreign key reference(s)")


def run_migrations_online() -> None:
    """Run migrations on a live connection; SQLite needs batch mode for ALTER TABLE."""
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, enabled=False)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
        connection.commit()
        if sqlite:
            _sqlite_foreign_keys(connection, enabled=True)


if context.is_offline_mode():
    raise SystemExit("SIPADU migrations run online only: use `sipadu db upgrade`.")
run_migrations_online()
