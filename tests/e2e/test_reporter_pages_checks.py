"""Every reporter page, in a real browser with JavaScript off, in both languages.

One walk per language through the reporter's pages (landing, statistics, report form, key
page, print page, the key page refusing to be left unconfirmed, key form and its refusal,
case page, the "sent" page, an error page, and the staff sign-in page anyone can reach)
checks each page:

- no horizontal scroll at 360 x 740 (a cheap phone) and at 1280 x 800;
- axe-core (``axe-playwright-python``, which bundles it) reports no violation;
- no script element, no web font, nothing from another origin, no internal key as text;
- the page weight (the document and everything it loads: CSS, emblem) is at most
  ``PAGE_WEIGHT_BUDGET``.

With ``SIPADU_SCREENSHOTS`` set (``make screenshots``) every checked page is also saved as a
full-page screenshot at both widths into that folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import foreign_requests
from tests.e2e.helpers import REPORTER_TAP_PX, STAFF_TAP_PX, fill_form, small_targets
from tests.support.cli import approve_as_the_escrow_holder_would, run_sipadu
from tests.support.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response, ViewportSize

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # real server + browser

PAGE_WEIGHT_BUDGET = 60 * 1024  # bytes per page, the document plus what it loads
PHONE: ViewportSize = {"width": 360, "height": 740}
# The walk's one staff page: it keeps the staff minimum for tap targets.
STAFF_PAGES = ("staff-login",)
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
FONT_TYPES = ("font/", "application/font", "application/x-font")
# Internal keys a reader must never see as text (field, category and actor values).
RAW_KEYS = ("source_of_knowledge", "reported_elsewhere", "penyalahgunaan_wewenang", "staff:")
SCREENSHOTS = os.environ.get("SIPADU_SCREENSHOTS", "")


@dataclass
class Weighed:
    """What a page weighs: its document plus every stylesheet and image it uses, counted
    whether the browser fetched them now or took them from its cache. Bodies are read
    after the page loaded (a response handler of the sync API must not wait for one)."""

    responses: list[Response] = field(default_factory=list)
    known: dict[str, int] = field(default_factory=dict)

    def record(self, response: Response) -> None:
        """Keep one response (a redirect has no body to count)."""
        if not 300 <= response.status < 400:
            self.responses.append(response)

    def sizes(self, page: Page) -> dict[str, int]:
        """Bytes per URL of the page shown: the document and its subresources."""
        for response in self.responses:
            self.known.setdefault(response.url, len(response.body()))
        document = [r for r in self.responses if r.request.resource_type == "document"]
        sizes = {page.url: len(document[-1].body())} if document else {}
        used = page.evaluate(
            "() => [...document.querySelectorAll('link[rel=stylesheet], img')]"
            ".map(e => e.href || e.src)"
        )
        for url in used:
            if url not in self.known:
                self.known[url] = len(page.request.get(url).body())
            sizes[url] = self.known[url]
        return sizes

    def fonts(self) -> list[str]:
        """The URLs of web fonts loaded."""
        return [
            response.url
            for response in self.responses
            if response.headers.get("content-type", "").startswith(FONT_TYPES)
        ]

    def reset(self) -> None:
        """Forget what earlier pages loaded (their sizes stay known)."""
        self.responses.clear()


@dataclass
class Problems:
    """What the walk found, by page: asserted once at the end so one run shows them all."""

    found: list[str] = field(default_factory=list)

    def add(self, where: str, what: str) -> None:
        """Note one problem on one page."""
        self.found.append(f"{where}: {what}")


@pytest.fixture(scope="module")
def supervisor(live_server: LiveServer) -> None:
    """A supervisor, so the service accepts reports (created on the shell, as at first run)."""
    created = run_sipadu(
        live_server.env,
        "account",
        "create",
        "--username",
        "verifikator",
        "--role",
        "supervisor",
        "--password-stdin",
        input="pohon-kelapa-di-pantai-utara\n",
    )
    assert created.returncode == 0, created.stderr
    approve_as_the_escrow_holder_would(live_server.env, "verifikator")


def _horizontal_scroll(page: Page) -> int:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return int(overflow)


def _axe_violations(page: Page, checker: Page) -> list[str]:
    """axe-core's findings on ``page``'s document. axe needs JavaScript (its promises and
    timers never run in a page without it), so it runs in ``checker``, a JavaScript page of
    the same origin given the same document: a POST answer cannot be fetched again."""
    from axe_playwright_python.sync_playwright import Axe

    checker.set_viewport_size(PHONE)
    checker.set_content(page.content(), wait_until="load")
    results = Axe().run(checker)
    return [
        f"{violation['id']}: {violation['help']} at {[n['target'] for n in violation['nodes']]}"
        for violation in results.response["violations"]
    ]


def check_page(page: Page, checker: Page, weighed: Weighed, problems: Problems, name: str) -> None:
    """Every check of one page, at both widths (the page is left at the phone width)."""
    where = f"{name} [{page.url}]"
    sizes = weighed.sizes(page)
    if not any(url.endswith("/static/css/sipadu.css") for url in sizes):
        problems.add(where, f"the stylesheet was not weighed: {sizes}")
    total = sum(sizes.values())
    if total > PAGE_WEIGHT_BUDGET:
        problems.add(where, f"weighs {total} bytes > {PAGE_WEIGHT_BUDGET}: {sizes}")
    if fonts := weighed.fonts():
        problems.add(where, f"loads web fonts {fonts}")
    if page.locator("script").count():
        problems.add(where, "has a script element")
    text = page.inner_text("body")
    for raw in RAW_KEYS:
        if raw in text:
            problems.add(where, f"shows the internal key {raw!r}")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        overflow = _horizontal_scroll(page)
        if overflow > 0:
            problems.add(where, f"scrolls sideways by {overflow}px at {size['width']}px")
        if size == PHONE:
            minimum = STAFF_TAP_PX if name.endswith(STAFF_PAGES) else REPORTER_TAP_PX
            for small in small_targets(page, minimum):
                problems.add(where, small)
        if SCREENSHOTS:
            folder = Path(SCREENSHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            shot = folder / f"{name}-{size['width']}.png"
            page.screenshot(path=str(shot), full_page=True)
    for violation in _axe_violations(page, checker):
        problems.add(where, f"axe: {violation}")


@dataclass
class Walk:
    """One browser page walking the reporter's pages, checking each one it reaches."""

    page: Page
    checker: Page  # with JavaScript, for axe only
    language: str
    weighed: Weighed = field(default_factory=Weighed)
    problems: Problems = field(default_factory=Problems)

    def check(self, name: str) -> None:
        """Check the page now shown, then forget its weight."""
        self.page.wait_for_load_state()
        name = f"{self.language}-{name}"
        check_page(self.page, self.checker, self.weighed, self.problems, name)
        self.weighed.reset()

    def visit(self, path: str, name: str) -> None:
        """Open ``path`` and check it."""
        self.weighed.reset()
        self.page.goto(path)
        self.check(name)

    def press(self, button: str) -> None:
        """Press a button by its visible name and wait for the next page."""
        self.weighed.reset()
        self.page.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state()


WORDS = {
    "id": {
        "send": "Kirim laporan",
        "print": "Buka halaman untuk dicetak",
        "back": "Kembali ke halaman kunci",
        "follow": "Pantau kasus Anda",
        "open": "Buka kasus saya",
    },
    "en": {
        "send": "Send report",
        "print": "Open a printable page",
        "back": "Back to the key page",
        "follow": "Follow up your case",
        "open": "Open my case",
    },
}


def _walk(walk: Walk) -> Iterator[str]:
    """Walk every reporter page; yields the case key once it is shown."""
    words = WORDS[walk.language]
    walk.visit("/", "landing")
    walk.visit("/statistik", "statistics")
    walk.visit("/laporan", "report-form")
    fill_form(
        walk.page, {"category": "pungli", "what": "Pungutan di loket."}, form="form.report-form"
    )
    walk.press(words["send"])
    walk.check("key")
    key = walk.page.locator("#case-key").inner_text().replace("\n", "")
    yield key
    walk.press(words["print"])
    walk.check("key-print")
    walk.press(words["back"])
    walk.press(words["follow"])  # not ticked: the key page again, with the reason
    walk.check("key-not-saved")
    walk.page.get_by_role("checkbox").check()
    walk.press(words["follow"])
    walk.check("enter-key")
    fill_form(walk.page, {"case_key": key[:-1] + ("2" if key[-1] != "2" else "3")})
    walk.press(words["open"])
    walk.check("enter-key-refused")
    fill_form(walk.page, {"case_key": key})
    walk.press(words["open"])
    walk.check("case")
    walk.visit("/laporan/terkirim", "sent")
    walk.visit("/tidak-ada", "not-found")
    walk.visit("/staff/login", "staff-login")  # the one staff page anyone reaches


@pytest.mark.parametrize("language", ["id", "en"])
def test_reporter_pages_scroll_weigh_and_read_well(
    language: str, make_page: Callable[..., Page], supervisor: None
) -> None:
    page = make_page(viewport=PHONE)
    page.set_default_timeout(20_000)
    checker = make_page(javascript=True)
    checker.set_default_timeout(20_000)
    checker.goto("/laporan/terkirim")  # any page of the origin: the documents are set in it
    walk = Walk(page, checker, language)
    page.on("response", walk.weighed.record)
    if language == "en":
        page.goto("/bahasa/en")
    shown = list(_walk(walk))
    assert len(shown) == 1 and len(shown[0]) == 36, shown
    assert foreign_requests(page) == []
    assert walk.problems.found == [], "\n".join(walk.problems.found)
