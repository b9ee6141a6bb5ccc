"""Reading a rendered page's forms as a browser sees them: which controls take part in a
submission, with the values the page gives them (for tests/support/forms.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from werkzeug.test import TestResponse

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# Input types whose value the user types (a test may fill them).
TYPED_INPUTS = {
    "text",
    "search",
    "email",
    "password",
    "tel",
    "url",
    "number",
    "date",
    "time",
    "datetime-local",
    "month",
    "week",
    "color",
    "range",
}
_NOT_SENT = {"reset", "button", "image"}

FormSelector = str | int | None
TickKey = str | tuple[str, str]
FileValue = tuple[bytes, str] | Sequence[tuple[bytes, str]]


class FormHelperError(AssertionError):
    """The test asked for something the rendered page cannot send."""


@dataclass
class Button:
    """A submit button of the form."""

    name: str
    value: str
    text: str
    tag: Tag
    order: int = 0


@dataclass
class Control:
    """One form control (input, textarea or select) in tree order."""

    name: str
    kind: str  # input type, "textarea", "select" or "select-multiple"
    tag: Tag
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)
    readonly: bool = False
    order: int = 0


@dataclass
class Form:
    """A parsed form: where and how it is sent, its controls and buttons."""

    method: str
    action: str  # path and query, resolved against the page's address
    enctype: str
    controls: list[Control]
    buttons: list[Button]
    tag: Tag

    def names(self) -> set[str]:
        """Every control name the form has."""
        return {control.name for control in self.controls}

    def choices(self, name: str) -> list[str]:
        """The values a user can choose for ``name``: a select's options, a radio group's or
        checkboxes' values."""
        found = [c for c in self.controls if c.name == name]
        if not found:
            raise FormHelperError(f"the form has no field {name!r}")
        if found[0].kind.startswith("select"):
            return [value for value, _ in found[0].options]
        return [c.value for c in found]


# ---------------------------------------------------------------- parsing

_TEXTAREA = re.compile(r"(<textarea\b[^>]*>)(.*?)(</textarea\s*>)", re.IGNORECASE | re.DOTALL)


def _textareas_as_text(html: str) -> str:
    """Browsers read a textarea's content as text (entities decoded, tags not parsed); the
    parser would read tags in it, so its "<" are escaped first."""
    return _TEXTAREA.sub(lambda m: m.group(1) + m.group(2).replace("<", "&lt;") + m.group(3), html)


def page_url(response: TestResponse) -> str:
    """The address of the page (after redirects), against which actions resolve."""
    request = response.request
    return str(request.url) if request is not None else "http://localhost/"


def path_of(url: str, base: str) -> str:
    """The path and query of ``url``; refuse another site (a test client only has one)."""
    parts, base_parts = urlsplit(url), urlsplit(base)
    if parts.netloc and parts.netloc != base_parts.netloc:
        raise FormHelperError(f"form posts to another site: {url}")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _disabled(tag: Tag) -> bool:
    if tag.has_attr("disabled"):
        return True
    return any(parent.name == "fieldset" and parent.has_attr("disabled") for parent in tag.parents)


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text().split())


def attr(tag: Tag, name: str, default: str = "") -> str:
    """An attribute as one string (``default`` when absent)."""
    value = tag.get(name)
    if value is None:
        return default
    return " ".join(value) if isinstance(value, list) else str(value)


def _textarea_default(tag: Tag) -> str:
    # The HTML parser drops one newline right after <textarea>; html.parser does not.
    text = tag.get_text()
    return text[1:] if text.startswith("\n") else text


def _select_options(tag: Tag) -> list[tuple[str, bool]]:
    options = [
        (attr(option, "value", _text(option)), option.has_attr("selected"))
        for option in tag.find_all("option")
        if not _disabled(option)
    ]
    multiple = tag.has_attr("multiple")
    if options and not multiple and not any(sel for _, sel in options):
        # A single select shows (and sends) its first option when none is selected.
        options[0] = (options[0][0], True)
    return options


def _control(tag: Tag) -> Control | None:
    name = attr(tag, "name")
    if not name or tag.name == "button":
        return None
    if tag.name == "textarea":
        return Control(
            name, "textarea", tag, _textarea_default(tag), readonly=tag.has_attr("readonly")
        )
    if tag.name == "select":
        kind = "select-multiple" if tag.has_attr("multiple") else "select"
        return Control(name, kind, tag, options=_select_options(tag))
    kind = attr(tag, "type", "text").lower()
    if kind in _NOT_SENT or kind == "submit":
        return None
    default = "on" if kind in ("checkbox", "radio") else ""
    return Control(
        name,
        kind,
        tag,
        attr(tag, "value", default),
        tag.has_attr("checked"),
        readonly=tag.has_attr("readonly"),
    )


def _button(tag: Tag) -> Button | None:
    if tag.name == "button":
        if attr(tag, "type", "submit").lower() != "submit":
            return None
        return Button(attr(tag, "name"), attr(tag, "value"), _text(tag), tag)
    if attr(tag, "type").lower() == "submit":
        value = attr(tag, "value", "Submit")
        return Button(attr(tag, "name"), value, value, tag)
    return None


def _members(soup: BeautifulSoup, form: Tag) -> list[Tag]:
    """The form's controls in tree order, those outside it with ``form="id"`` included."""
    form_id = attr(form, "id")
    found: list[Tag] = []
    for tag in soup.find_all(["input", "textarea", "select", "button"]):
        owner = attr(tag, "form")
        if (owner and owner == form_id) or (not owner and form in tag.parents):
            found.append(tag)
    return found


def _parse(soup: BeautifulSoup, tag: Tag, page_url: str) -> Form:
    members = [member for member in _members(soup, tag) if not _disabled(member)]
    controls: list[Control] = []
    buttons: list[Button] = []
    for order, member in enumerate(members):
        control, button = _control(member), _button(member)
        if control is not None:
            control.order = order
            controls.append(control)
        if button is not None:
            button.order = order
            buttons.append(button)
    method = attr(tag, "method", "get").lower()
    enctype = attr(tag, "enctype", URLENCODED).lower()
    action = urljoin(page_url, attr(tag, "action") or page_url)
    return Form(
        "post" if method == "post" else "get",
        path_of(action, page_url),
        MULTIPART if enctype == MULTIPART else URLENCODED,
        controls,
        buttons,
        tag,
    )


def all_forms(response: TestResponse) -> list[Form]:
    """Every form of the page, in page order."""
    soup = BeautifulSoup(_textareas_as_text(response.get_data(as_text=True)), "html.parser")
    url = page_url(response)
    return [_parse(soup, tag, url) for tag in soup.find_all("form")]


def find_form(response: TestResponse, form: FormSelector = None) -> Form:
    """The form chosen by ``form``: its index, its id, or its action (path as written or
    resolved); ``None`` when the page has exactly one form."""
    forms = all_forms(response)
    if not forms:
        raise FormHelperError(f"the page has no form (status {response.status_code})")
    if form is None:
        if len(forms) != 1:
            raise FormHelperError(
                f"the page has {len(forms)} forms, choose one: {[f.action for f in forms]}"
            )
        return forms[0]
    if isinstance(form, int):
        if not 0 <= form < len(forms):
            raise FormHelperError(f"no form number {form}; the page has {len(forms)}")
        return forms[form]
    by_id = [f for f in forms if attr(f.tag, "id") == form]
    matches = by_id or [
        f
        for f in forms
        if form in (f.action, attr(f.tag, "action")) or urlsplit(f.action).path == form
    ]
    if len(matches) != 1:
        raise FormHelperError(
            f"{len(matches)} forms match {form!r}; the page has {[f.action for f in forms]}"
        )
    return matches[0]
