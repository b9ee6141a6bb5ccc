"""Real-browser fixtures: a live ``sipadu serve`` and Debian's Chromium driven by Playwright.

The browser is the system's ``/usr/bin/chromium`` (``SIPADU_E2E_CHROMIUM`` overrides it),
never one downloaded by ``playwright install``. Locally a missing Chromium or Playwright
skips these tests with the reason; under ``CI=true`` it fails them.

Pages open with JavaScript disabled (reporter pages must work without it); ``js_page`` or
``make_page(javascript=True)`` gives a context with JavaScript. Every context refuses
requests to any origin other than the live server and records them, so a test can assert
that a page loads nothing from elsewhere (:func:`foreign_requests`).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.instance import Database
from tests.support.live import LiveServer, running_instance

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = Path(os.environ.get("SIPADU_E2E_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_FOREIGN: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"end-to-end tests cannot run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``sipadu init`` then ``sipadu serve --workers 2`` on a free port, for one test module.

    Rate limits stay on as in production; the instance gets a ready escrow public key (creating
    the escrow key is tested in tests/escrow/)."""
    root = tmp_path_factory.mktemp("live")
    with running_instance(root, Database.sqlite_file(root / "sipadu.sqlite3")) as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, or skip (fail under CI) when it or Chromium is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package `playwright` is not installed (pip install -e '.[dev]')")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(
            f"Chromium is not installed at {CHROMIUM} "
            "(apt-get install chromium, or set SIPADU_E2E_CHROMIUM)"
        )
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless system Chromium; launch() gives it a fresh temporary profile."""
    try:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except Exception as error:  # any launch failure is an environment problem
        _unavailable(f"Chromium at {CHROMIUM} did not start: {error}")
        raise
    yield instance
    instance.close()


def foreign_requests(page: Page) -> list[str]:
    """The URLs of other origins this page's context tried to load (all were refused)."""
    return _FOREIGN.setdefault(page.context, [])


@pytest.fixture
def make_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """A factory of pages, each in its own fresh context (no shared cookies)."""
    contexts: list[BrowserContext] = []

    def factory(*, javascript: bool = False, **options: Any) -> Page:
        context = browser.new_context(
            java_script_enabled=javascript, base_url=live_server.url, **options
        )
        blocked: list[str] = []
        _FOREIGN[context] = blocked

        def guard(route: Route) -> None:
            if route.request.url.startswith(live_server.url + "/"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_page: Callable[..., Page]) -> Page:
    """A page with JavaScript disabled, as reporter pages must work."""
    return make_page()


@pytest.fixture
def js_page(make_page: Callable[..., Page]) -> Page:
    """A page with JavaScript enabled (staff pages may use it; reporter pages must not)."""
    return make_page(javascript=True)
