"""Helpers for the real-browser tests: fill forms like a person would, keep screenshots."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:  # playwright is imported lazily so a missing package only skips e2e
    from playwright.sync_api import Locator, Page

    from tests.support.live import LiveServer

FormValue = str | int | bool | Path | Sequence[Path] | Sequence[str]


def fill_form(page: Page, data: Mapping[str, FormValue], *, form: str = "form") -> None:
    """Fill the fields of ``form`` by their ``name`` attribute.

    - text inputs and textareas: ``str``/``int`` values are typed in;
    - ``<select>``: the option with that value (or a list of values) is chosen;
    - checkboxes: ``True``/``False`` checks or unchecks;
    - radio buttons: the button of the group whose ``value`` equals the given value;
    - file inputs: a ``Path`` or a list of paths is attached.

    Works with JavaScript disabled: Playwright drives the page from outside its scripts.
    Raises ``AssertionError`` for a name the form does not have, so typos fail loudly.
    """
    scope = page.locator(form).first
    for name, value in data.items():
        fields = scope.locator(f'[name="{name}"]')
        count = fields.count()
        assert count > 0, f"the form has no field named {name!r}"
        first = fields.first
        tag = first.evaluate("el => el.tagName.toLowerCase()")
        kind = (first.get_attribute("type") or "").lower()
        if tag == "select":
            options = [str(v) for v in value] if _is_list(value) else str(value)
            first.select_option(options)
        elif kind == "file":
            files = [Path(v) for v in value] if _is_list(value) else [Path(str(value))]
            first.set_input_files(files)
        elif kind == "checkbox" and isinstance(value, bool):
            first.set_checked(value)
        elif kind == "radio" or (kind == "checkbox" and count > 1):
            _check_value(fields, name, str(value))
        else:
            first.fill(str(value))


def _check_value(fields: Locator, name: str, value: str) -> None:
    choice = fields.and_(fields.page.locator(f'[value="{value}"]'))
    assert choice.count() == 1, f"field {name!r} has no option with value {value!r}"
    choice.check()


def _is_list(value: FormValue) -> TypeGuard[Sequence[Path] | Sequence[str]]:
    return isinstance(value, list | tuple)


def artifacts_dir(default: Path) -> Path:
    """Where screenshots go: ``SIPADU_E2E_ARTIFACTS`` if set (CI keeps it), else ``default``."""
    target = Path(os.environ.get("SIPADU_E2E_ARTIFACTS") or default)
    target.mkdir(parents=True, exist_ok=True)
    return target


def printed_setup_url(live_server: LiveServer) -> str:
    """The first-run setup link ``sipadu serve`` printed to its log (waits up to 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = re.search(r"(http://\S+/staff/setup/\S+)", live_server.log_text())
        if found:
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no setup URL printed:\n{live_server.log_text()}")


# Links and buttons standing alone (not a link inside a sentence, which WCAG 2.2 exempts):
# their heights at the page's current width, where a thumb presses them.
STANDING_TARGETS = """() => [...document.querySelectorAll('a[href], input[type=submit], select')]
  .filter(e => !e.closest('p, dd, dt, .casework-text, label, h1, h2, h3'))
  .filter(e => getComputedStyle(e).visibility !== 'hidden' && e.getClientRects().length)
  .filter(e => e.getBoundingClientRect().right > 0)
  .map(e => [e.tagName === 'SELECT' ? 'menu ' + e.name : (e.textContent.trim() || e.value),
              e.getBoundingClientRect().height])"""
# Staff pages keep WCAG 2.2's 24 px minimum; reporter pages, read on phones by people in a
# hurry and often outdoors, the 44 px of WCAG's enhanced level (2.5.5).
STAFF_TAP_PX, REPORTER_TAP_PX = 24, 44


def small_targets(page: Page, minimum: int) -> list[str]:
    """Every standing-alone link or button of ``page`` shorter than ``minimum`` px."""
    return [
        f"tap target {name[:60]!r} is {height:.0f}px tall at the phone width ({minimum} needed)"
        for name, height in page.evaluate(STANDING_TARGETS)
        if 0 < height < minimum - 0.5
    ]
