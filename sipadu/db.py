"""Database plumbing: one declarative base, engine setup per backend, one session per request."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

from sipadu.settings import DEFAULT_DATABASE_CONNECT_TIMEOUT

# Stable constraint names keep Alembic migrations reproducible on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The one declarative base every SIPADU model derives from."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted content is overwritten in the file, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that read first cannot upgrade to a writer once another
        # connection committed (SQLITE_BUSY_SNAPSHOT, not retried). Taking the write lock at
        # BEGIN makes writers queue on busy_timeout instead of failing.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(
    url: str, schema: str | None = None, connect_timeout: int = DEFAULT_DATABASE_CONNECT_TIMEOUT
) -> Engine:
    """Create an engine for SQLite (WAL, foreign keys, secure_delete) or PostgreSQL (psycopg 3).

    PostgreSQL connections give up after ``connect_timeout`` seconds unless the URL sets its
    own ``connect_timeout``: without a bound a host that never answers holds the worker.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # NullPool: a fresh connection per checkout keeps forked gunicorn workers independent.
        engine = create_engine(url, poolclass=NullPool)
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = connect_timeout
    if schema:
        if not schema.replace("_", "").isalnum():
            raise ValueError("database schema names may hold only letters, digits and '_'")
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def init_app(app: Flask, engine: Engine) -> None:
    """Attach the engine and a session factory; close the request's session on teardown."""
    app.extensions["sipadu.engine"] = engine
    app.extensions["sipadu.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_engine(app: Flask | None = None) -> Engine:
    """The application's engine."""
    engine: Engine = (app or current_app).extensions["sipadu.engine"]
    return engine


def db_session() -> Session:
    """The session of the current request (or app context), created on first use.

    A request's session is committed or rolled back by :mod:`sipadu.unit_of_work`, never
    by the view; the teardown of :func:`init_app` closes it (rolling back what is left)."""
    session: Session | None = g.get("db_session")
    if session is None:
        factory: sessionmaker[Session] = current_app.extensions["sipadu.sessionmaker"]
        session = factory()
        g.db_session = session
    return session
