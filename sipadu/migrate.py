"""Alembic, driven from code: the migrations are the only source of the schema.

Alembic is imported by each function, not at the top: every ``sipadu`` command loads this
module through the app, and most never touch the schema (the import costs a tenth of a second).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sipadu.resources import resource_dir

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs against ``engine`` (passed to env.py as an attribute)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database schema down to ``revision``."""
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    """True when the database schema is at the code's head revision."""
    return current_revision(engine) == head_revision(engine)
