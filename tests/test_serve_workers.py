"""The worker class `sipadu serve` runs on SQLite is the one the docs name: `make run` logs
`Using worker: gthread`, so no document may promise sync workers there."""

from __future__ import annotations

import re
from pathlib import Path

from sipadu.serve import default_threads, gunicorn_options

ROOT = Path(__file__).resolve().parent.parent
SQLITE_URL = "sqlite:////srv/sipadu/sipadu.sqlite3"


def test_sqlite_runs_one_thread_of_the_gthread_worker_as_documented() -> None:
    options = gunicorn_options("127.0.0.1:8000", 2, 30, threads=default_threads(SQLITE_URL))
    assert (options["worker_class"], options["threads"]) == ("gthread", 1)
    for doc in ("README.md", "docs/deployment.md"):
        text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
        assert not re.search(r"SQLite (?:it )?keeps (?:gunicorn's )?sync workers", text), doc
        assert "gthread" in text, doc
