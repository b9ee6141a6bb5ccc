"""The crawl of both consoles in both languages, built once per test run and shared.

Three modules read the same crawl (``tests/support/crawl.py``): the form guard
(``tests/web/test_every_form.py``), the raw-key check (``tests/web/test_no_raw_keys.py``) and
the staff pages' browser walk (``tests/e2e/test_staff_pages_checks.py``). Building the world
and reading every page as every visitor is the costly part of each, and used to be done three
times. Under pytest-xdist the modules may land in different processes, so the first process
that asks builds the crawl under a file lock and writes it as JSON into the run's shared
temporary folder; the others wait for the lock and read that file. Without xdist it is built
once per process. What is kept is plain data (pages, texts, HTML, forms): no app, no database.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import build_app, make_settings
from tests.support.crawl import Found, crawl_everything, crawl_reporter_pages, crawl_staff_pages
from tests.support.instance import Database

Forms = dict[tuple[str, str], set[str]]


@dataclass(frozen=True)
class CrawledSite:
    """Every page in Indonesian (first run, setup, a reporter, every staff role), then the
    reporter's and the staff pages again in English."""

    # The forms the Indonesian crawl found (``crawl_everything``), before the English pages.
    indonesian_forms: Forms
    # Everything read in both languages.
    found: Found


_BUILT: list[CrawledSite] = []


def crawled_site(tmp_path_factory: pytest.TempPathFactory) -> CrawledSite:
    """The crawl, built by the first caller of this test run and reused by the rest."""
    if not _BUILT:
        _BUILT.append(_shared_or_built(tmp_path_factory))
    return _BUILT[0]


def _shared_or_built(tmp_path_factory: pytest.TempPathFactory) -> CrawledSite:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build_crawled_site(tmp_path_factory)
    # Each xdist process has its own base temp folder inside the run's common one.
    shared = tmp_path_factory.getbasetemp().parent / "crawled-site.json"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first process builds; the others wait here
        if shared.exists():
            return _from_json(shared.read_text(encoding="utf-8"))
        site = build_crawled_site(tmp_path_factory)
        partial = shared.with_suffix(".partial")
        partial.write_text(_to_json(site), encoding="utf-8")
        partial.replace(shared)
        return site


def build_crawled_site(tmp_path_factory: pytest.TempPathFactory) -> CrawledSite:
    """Build the world on a fresh SQLite instance (rate limits off) and crawl it."""
    root = tmp_path_factory.mktemp("crawl")
    database = Database("sqlite", f"sqlite:///{root / 'sipadu.sqlite3'}")
    app = build_app(make_settings(Path(root), database, rate_limits_enabled=False))
    try:
        found = Found()
        world = crawl_everything(app, found)
        indonesian_forms = {key: set(pages) for key, pages in found.forms.items()}
        crawl_reporter_pages(app, found, language="en")
        crawl_staff_pages(app, world, found, language="en")
    finally:
        app.extensions["sipadu.engine"].dispose()
    return CrawledSite(indonesian_forms, found)


def _forms_to_json(forms: Forms) -> list[list[object]]:
    return [[endpoint, method, sorted(pages)] for (endpoint, method), pages in forms.items()]


def _forms_from_json(rows: list[list[object]]) -> Forms:
    return {(str(e), str(m)): set(p) for e, m, p in rows}  # type: ignore[call-overload]


def _to_json(site: CrawledSite) -> str:
    found = site.found
    return json.dumps(
        {
            "indonesian_forms": _forms_to_json(site.indonesian_forms),
            "forms": _forms_to_json(found.forms),
            "pages": sorted(found.pages),
            "texts": found.texts,
            "html": found.html,
        }
    )


def _from_json(text: str) -> CrawledSite:
    data = json.loads(text)
    found = Found(
        forms=_forms_from_json(data["forms"]),
        pages=set(data["pages"]),
        texts=data["texts"],
        html=data["html"],
    )
    return CrawledSite(_forms_from_json(data["indonesian_forms"]), found)
