"""Every staff page, laid out by Chromium with JavaScript off, in both languages.

The crawl world (``tests/support/crawl.py``: every role, every case state, the first-run and
setup pages, the confirmation pages) is rendered by the app's test client in Indonesian and in
English; no page is listed by hand. Each distinct page is then opened once in Chromium from a
stand-in origin that answers with the crawled HTML and the real static files, and checked:

- no horizontal scroll at 360 x 740 and at 1280 x 800 (one load, then the window is resized);
- no link or button standing alone is under 24 px tall at 360 px (WCAG 2.2 target size);
- axe-core reports no violation (run once per page and language, not per width; axe needs
  JavaScript, so it runs in a second page that opens the same document with scripts on).

Pages a reporter reaches (landing, report form, statistics...) are checked by
``test_reporter_pages_checks.py`` and skipped here. Pages that differ only by an account's
number (the admin's reset and deactivate confirmations) are checked once per visitor.
One browser serves the module; the whole walk takes well under a minute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import STAFF_TAP_PX, small_targets
from tests.support.crawl import Found
from tests.support.crawled_site import crawled_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route, ViewportSize

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # a browser over a hundred pages

PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
ORIGIN = "http://sipadu.test"
STATIC = Path(__file__).resolve().parents[2] / "sipadu" / "static"
STATIC_TYPES = {".css": "text/css", ".svg": "image/svg+xml"}
# Reporter pages (checked with their own walk) and links the crawl reaches from any page.
PUBLIC_PATHS = {"/", "/kasus", "/kasus/saya", "/laporan", "/statistik", "key page"}
SAME_PAGE_BUT_A_NUMBER = re.compile(r"/\d+(?=/|$)")
# A crawl key is "<role> (<language>) <path>", or "first run <path>" before any account.
VISITOR_AND_PATH = re.compile(r"(.+?\)|first run) (.+)", re.DOTALL)
CSRF = re.compile(r'name="csrf_token" value="[^"]*"')


@dataclass
class StaffPage:
    """One page to check: who saw it, where, and its HTML."""

    visitor: str
    path: str
    html: str

    @property
    def name(self) -> str:
        return f"{self.visitor} {self.path}"


def staff_pages(found: Found) -> list[StaffPage]:
    """The distinct staff pages of the crawl, in its order: reporter pages left out, pages
    that differ only by a number (or a CSRF token) kept once per visitor."""
    pages: list[StaffPage] = []
    seen: set[tuple[str, str]] = set()
    for key, html in found.html.items():
        visitor, path = VISITOR_AND_PATH.fullmatch(key).groups()  # type: ignore[union-attr]
        if path in PUBLIC_PATHS or visitor.startswith("reporter"):
            continue
        shape = (visitor, SAME_PAGE_BUT_A_NUMBER.sub("/N", path))
        fingerprint = (visitor, CSRF.sub("", html))
        if shape in seen or fingerprint in seen:
            continue
        seen.update((shape, fingerprint))
        pages.append(StaffPage(visitor, path, html))
    return pages


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Found:
    """Every page of both consoles in Indonesian, then again in English (reporter pages are
    left out by ``staff_pages``); built once per test run, tests/support/crawled_site.py."""
    return crawled_site(tmp_path_factory).found


@dataclass
class StandIn:
    """The stand-in origin: any path answers with the page being checked; static files come
    from the checkout, so the real stylesheet and emblem are laid out."""

    html: str = ""
    served: list[str] = field(default_factory=list)

    def answer(self, route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path.startswith("/static/"):
            file = STATIC / path.removeprefix("/static/")
            kind = STATIC_TYPES.get(file.suffix, "application/octet-stream")
            route.fulfill(status=200, body=file.read_bytes(), content_type=kind)
            return
        if route.request.resource_type != "document":
            route.abort()
            return
        self.served.append(path)
        route.fulfill(status=200, body=self.html, content_type="text/html; charset=utf-8")


def open_stand_in(browser: Browser, stand_in: StandIn, *, javascript: bool) -> Page:
    """A page of a browser context answered by the stand-in origin, at the phone width."""
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    context.route("**/*", stand_in.answer)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _overflows(page: StaffPage, layout: Page, stand_in: StandIn) -> list[str]:
    """How far the page scrolls sideways at each width: one load, then a resize."""
    stand_in.html = page.html
    layout.set_viewport_size(PHONE)
    layout.goto(ORIGIN + page.path, wait_until="load")
    problems = small_targets(layout, STAFF_TAP_PX)
    for size in (PHONE, DESKTOP):
        layout.set_viewport_size(size)
        overflow = layout.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if int(overflow) > 0:
            problems.append(f"scrolls sideways by {overflow}px at {size['width']}px")
    return problems


class AxeChecker:
    """axe-core in a JavaScript page of the stand-in origin, injected once: each document is
    written into the same window (``document.open`` keeps the window and so axe), which
    spares parsing axe's half megabyte again for every page."""

    def __init__(self, page: Page, stand_in: StandIn) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        stand_in.html = "<!doctype html><title>axe</title>"
        page.goto(ORIGIN + "/", wait_until="load")
        page.evaluate(Axe().axe_script)

    def violations(self, html: str) -> list[str]:
        """axe-core's findings on ``html``, laid out at the phone width."""
        self.page.evaluate("h => { document.open(); document.write(h); document.close(); }", html)
        self.page.wait_for_load_state("load")
        results = self.page.evaluate('axe.run({resultTypes: ["violations"]})')
        return [
            f"axe: {found['id']}: {found['help']} at {[node['target'] for node in found['nodes']]}"
            for found in results["violations"]
        ]


def test_the_walk_covers_every_role_in_both_languages(crawled: Found) -> None:
    """The check below is only worth something if it reaches every console's pages."""
    pages = staff_pages(crawled)
    visitors = {page.visitor for page in pages}
    for role in ("supervisor", "investigator", "admin", "auditor", "intake_officer", "custodian"):
        for language in ("id", "en"):
            assert f"{role} ({language})" in visitors, role
    paths = {page.path for page in pages}
    for path in ("/staff/", "/petugas/kasus", "/admin/", "/auditor/", "/auditor/statistics"):
        assert path in paths, path
    assert any(path.endswith("/konflik") for path in paths)  # a confirmation page
    assert any(path.startswith("/staff/setup/") for path in paths)  # the first run


def test_staff_pages_never_scroll_sideways_and_pass_axe(crawled: Found, browser: Browser) -> None:
    stand_in = StandIn()
    layout = open_stand_in(browser, stand_in, javascript=False)
    axe = AxeChecker(open_stand_in(browser, stand_in, javascript=True), stand_in)
    pages = staff_pages(crawled)
    found: list[str] = []
    read_by_axe: set[tuple[str, str]] = set()  # (path, visitor's language)
    for page in pages:
        problems = _overflows(page, layout, stand_in)
        once = (page.path, page.visitor[-3:])
        if once not in read_by_axe:
            read_by_axe.add(once)
            problems += axe.violations(page.html)
        found += [f"{page.name}: {problem}" for problem in problems]
    assert len(stand_in.served) == len(pages) + 1  # one load per page, one for axe
    assert found == [], f"{len(found)} problems:\n" + "\n".join(found)
