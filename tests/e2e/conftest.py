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
import socket
import subprocess
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.helpers import SIPADU, run_sipadu
from tests.test_cli import _seed_escrow_public

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
STARTUP_SECONDS = 60

_FOREIGN: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"end-to-end tests cannot run under CI: {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class LiveServer:
    """A running ``sipadu serve`` on its own temporary instance."""

    url: str  # base URL without a trailing slash, e.g. http://127.0.0.1:40123
    env: dict[str, str]  # pass to run_sipadu() to act on the same instance
    log: Path  # the server's stdout and stderr


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sipadu serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"sipadu serve did not answer within {STARTUP_SECONDS}s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn's arbiter stops its workers on SIGTERM
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``sipadu init`` then ``sipadu serve --workers 2`` on a free port, for one test module."""
    root = tmp_path_factory.mktemp("live")
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIPADU_")}
    port = _free_port()
    env.update(
        {
            "SIPADU_INSTANCE_DIR": str(root / "instance"),
            "SIPADU_KEYS_DIR": str(root / "keys"),
            "SIPADU_DATABASE_URL": f"sqlite:///{root / 'sipadu.sqlite3'}",
            "SIPADU_BASE_URL": f"http://127.0.0.1:{port}",
        }
    )
    # A ready escrow public key spares each module init's deliberately slow 256 MiB sealing;
    # creating the escrow key is tested in tests/escrow/.
    _seed_escrow_public(root / "keys")
    init = run_sipadu(env, "init")
    assert init.returncode == 0, f"sipadu init failed:\n{init.stdout}\n{init.stderr}"
    log = root / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [SIPADU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield LiveServer(url=url, env=env, log=log)
    finally:
        _stop(process)


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
