"""Alembic environment: SIPADU passes its engine in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

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


def run_migrations_online() -> None:
    """Run migrations on a live connection; SQLite needs batch mode for ALTER TABLE."""
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("SIPADU migrations run online only: use `sipadu db upgrade`.")
run_migrations_online()
