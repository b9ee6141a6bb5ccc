"""The Server-Timing header is the bench's: off unless the setting turns it on."""

from __future__ import annotations

from pathlib import Path

from sipadu.settings import settings_from_env
from tests.conftest import build_app, make_settings
from tests.support.instance import Database


def _timing_header(tmp_path: Path, sqlite_database: Database, **overrides: object) -> str | None:
    app = build_app(make_settings(tmp_path, sqlite_database, **overrides))
    try:
        return app.test_client().get("/").headers.get("Server-Timing")
    finally:
        app.extensions["sipadu.engine"].dispose()


def test_no_timing_header_by_default(tmp_path: Path, sqlite_database: Database) -> None:
    assert _timing_header(tmp_path, sqlite_database) is None
    assert settings_from_env({}).server_timing is False


def test_timing_header_when_enabled(tmp_path: Path, sqlite_database: Database) -> None:
    header = _timing_header(tmp_path, sqlite_database, server_timing=True)
    assert header is not None and header.startswith("app;dur=")
    assert float(header.removeprefix("app;dur=")) > 0
    assert settings_from_env({"SIPADU_SERVER_TIMING": "true"}).server_timing is True
