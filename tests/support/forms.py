"""Submit an HTML form exactly as a browser would send it.

A test renders a page, picks one of its forms and posts what the page itself makes a browser
send: hidden inputs (the CSRF token among them), text and textarea defaults, checked
checkboxes and radios with their rendered ``value``, selected options, and the name/value of
the one submit button pressed. The test may only change what a user could change — type into
a visible field, tick or untick a checkbox, choose a rendered option, press a rendered button,
attach a file to a file input — and anything else raises :class:`FormHelperError`, so a test
can never post something the page could not send (a checkbox value the page does not render,
a field it does not have, a button it does not show).

The successful-controls rules follow the HTML standard's form submission algorithm
("constructing the entry list"), for the controls SIPADU uses.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.support.form_parse import (
    MULTIPART,
    TYPED_INPUTS,
    URLENCODED,
    Button,
    Control,
    FileValue,
    Form,
    FormHelperError,
    FormSelector,
    TickKey,
    all_forms,
    attr,
    find_form,
    page_url,
    path_of,
)

__all__ = [
    "FilePart",
    "Form",
    "FormHelperError",
    "Submission",
    "all_forms",
    "build",
    "find_form",
    "send",
    "sent_values",
    "submit",
]


# ---------------------------------------------------------------- filling


def _apply_fill(form: Form, fill: Mapping[str, str | Sequence[str]]) -> None:
    for name, wanted in fill.items():
        controls = [c for c in form.controls if c.name == name]
        if not controls:
            raise FormHelperError(f"the form has no field {name!r}; it has {sorted(form.names())}")
        kinds = {c.kind for c in controls}
        if kinds <= TYPED_INPUTS | {"textarea"}:
            _fill_typed(controls, name, wanted)
        elif kinds == {"radio"}:
            _choose_radio(controls, name, wanted)
        elif kinds <= {"select", "select-multiple"} and len(controls) == 1:
            _choose_options(controls[0], wanted)
        else:
            raise FormHelperError(
                f"field {name!r} ({sorted(kinds)}) cannot be typed into; "
                "tick checkboxes with tick=, attach files with files="
            )


def _fill_typed(controls: list[Control], name: str, wanted: str | Sequence[str]) -> None:
    values = [wanted] if isinstance(wanted, str) else list(wanted)
    if len(values) != len(controls):
        raise FormHelperError(f"{name!r} has {len(controls)} fields, got {len(values)} values")
    for control, value in zip(controls, values, strict=True):
        if control.readonly:
            raise FormHelperError(f"{name!r} is read-only on the page")
        control.value = value


def _choose_radio(controls: list[Control], name: str, wanted: str | Sequence[str]) -> None:
    if not isinstance(wanted, str) or wanted not in {c.value for c in controls}:
        raise FormHelperError(
            f"radio {name!r} offers {[c.value for c in controls]}, not {wanted!r}"
        )
    for control in controls:
        control.checked = control.value == wanted


def _choose_options(control: Control, wanted: str | Sequence[str]) -> None:
    values = [wanted] if isinstance(wanted, str) else list(wanted)
    offered = [value for value, _ in control.options]
    if any(value not in offered for value in values) or (
        control.kind == "select" and len(values) != 1
    ):
        raise FormHelperError(f"select {control.name!r} offers {offered}, not {values!r}")
    control.options = [(value, value in values) for value in offered]


def _apply_ticks(form: Form, tick: Mapping[TickKey, bool] | Iterable[TickKey]) -> None:
    wishes = tick.items() if isinstance(tick, Mapping) else ((key, True) for key in tick)
    for key, on in wishes:
        name, value = (key, None) if isinstance(key, str) else key
        boxes = [
            c
            for c in form.controls
            if c.name == name and c.kind == "checkbox" and (value is None or c.value == value)
        ]
        if not boxes:
            raise FormHelperError(f"the form has no checkbox {key!r}")
        if len(boxes) > 1:
            raise FormHelperError(
                f"{len(boxes)} checkboxes are named {name!r}; "
                f"tick one as ({name!r}, value): {[b.value for b in boxes]}"
            )
        boxes[0].checked = bool(on)


def _press(form: Form, button: str | tuple[str, str] | None) -> Button | None:
    if button is None:
        # Buttons that send the form elsewhere (``formaction``, e.g. the report form's language
        # buttons after its send button) are never pressed unnamed: the form's own button is.
        own = [b for b in form.buttons if not b.tag.has_attr("formaction")]
        if len(own) == 1 and form.buttons[0] is own[0]:
            return own[0]  # the default button, the one Enter presses
        if len(form.buttons) > 1:
            raise FormHelperError(
                "the form has several submit buttons, choose one: "
                f"{[(b.name, b.value, b.text) for b in form.buttons]}"
            )
        return form.buttons[0] if form.buttons else None
    if isinstance(button, tuple):
        matches = [b for b in form.buttons if (b.name, b.value) == button]
    else:
        matches = [b for b in form.buttons if button in (b.text, b.value)] or [
            b for b in form.buttons if b.name == button
        ]
    if len(matches) != 1:
        raise FormHelperError(
            f"{len(matches)} buttons match {button!r}; the form has "
            f"{[(b.name, b.value, b.text) for b in form.buttons]}"
        )
    return matches[0]


# ---------------------------------------------------------------- the entry list


@dataclass(frozen=True)
class FilePart:
    """A file the browser sends; a fresh stream is made for every send (a reload sends the
    same submission again)."""

    content: bytes
    filename: str
    content_type: str | None = None

    def as_upload(self) -> tuple[io.BytesIO, str] | tuple[io.BytesIO, str, str]:
        """What the test client takes for a file part."""
        if self.content_type is None:
            return io.BytesIO(self.content), self.filename
        return io.BytesIO(self.content), self.filename, self.content_type


@dataclass
class Submission:
    """What the browser sends: method, path (with query), body or query pairs, files."""

    method: str
    path: str
    enctype: str
    pairs: list[tuple[str, Any]]

    def value(self, name: str) -> Any:
        """The first value sent under ``name`` (KeyError if none)."""
        for key, value in self.pairs:
            if key == name:
                return value
        raise KeyError(name)

    def values(self, name: str) -> list[Any]:
        """Every value sent under ``name``."""
        return [value for key, value in self.pairs if key == name]


def _crlf(text: str) -> str:
    # Browsers send textarea line breaks as CR LF.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _entries(
    form: Form, pressed: Button | None, files: Mapping[str, FileValue]
) -> list[tuple[str, Any]]:
    """The entry list in tree order, the pressed button at its place among the controls."""
    pairs: list[tuple[str, Any]] = []
    button_sent = pressed is None or not pressed.name
    for control in form.controls:
        if not button_sent and pressed is not None and pressed.order < control.order:
            pairs.append((pressed.name, pressed.value))
            button_sent = True
        pairs += _control_entries(form, control, files)
    if not button_sent and pressed is not None:
        pairs.append((pressed.name, pressed.value))
    return pairs


def _control_entries(
    form: Form, control: Control, files: Mapping[str, FileValue]
) -> list[tuple[str, Any]]:
    kind = control.kind
    if kind in ("checkbox", "radio"):
        return [(control.name, control.value)] if control.checked else []
    if kind in ("select", "select-multiple"):
        return [(control.name, value) for value, selected in control.options if selected]
    if kind == "textarea":
        return [(control.name, _crlf(control.value))]
    if kind == "file":
        return _file_entries(form, control, files.get(control.name))
    return [(control.name, control.value)]


def _file_entries(form: Form, control: Control, chosen: FileValue | None) -> list[tuple[str, Any]]:
    items: list[tuple[bytes, str]]
    if chosen is None:
        items = []
    elif isinstance(chosen, tuple) and len(chosen) == 2 and isinstance(chosen[0], bytes):
        items = [chosen]
    else:
        items = list(chosen)
    if len(items) > 1 and not control.tag.has_attr("multiple"):
        raise FormHelperError(f"file input {control.name!r} takes one file, not {len(items)}")
    if form.enctype != MULTIPART:
        # An urlencoded form sends only the file names.
        return [(control.name, filename) for _, filename in items] or [(control.name, "")]
    if not items:
        # No file chosen: browsers send an empty part with an empty file name.
        return [(control.name, FilePart(b"", "", "application/octet-stream"))]
    return [(control.name, FilePart(content, filename)) for content, filename in items]


def build(
    response: TestResponse,
    form: FormSelector = None,
    *,
    fill: Mapping[str, str | Sequence[str]] | None = None,
    tick: Mapping[TickKey, bool] | Iterable[TickKey] | None = None,
    button: str | tuple[str, str] | None = None,
    files: Mapping[str, FileValue] | None = None,
) -> Submission:
    """What a browser sends for ``form`` of the rendered ``response`` after the user filled
    ``fill``, ticked/unticked ``tick``, attached ``files`` and pressed ``button`` (its name,
    value or visible text, or a (name, value) pair; the only button when there is one)."""
    chosen = find_form(response, form)
    _apply_fill(chosen, fill or {})
    _apply_ticks(chosen, tick or {})
    for name in files or {}:
        if not any(c.name == name and c.kind == "file" for c in chosen.controls):
            raise FormHelperError(f"the form has no file input {name!r}")
    pressed = _press(chosen, button)
    method, path, enctype = chosen.method, chosen.action, chosen.enctype
    if pressed is not None:
        method = attr(pressed.tag, "formmethod", method).lower()
        if pressed.tag.has_attr("formenctype"):
            enctype = (
                MULTIPART if attr(pressed.tag, "formenctype").lower() == MULTIPART else URLENCODED
            )
        if pressed.tag.has_attr("formaction"):
            path = path_of(
                urljoin(page_url(response), attr(pressed.tag, "formaction")), page_url(response)
            )
    return Submission(method, path, enctype, _entries(chosen, pressed, files or {}))


def send(client: FlaskClient, submission: Submission, **kwargs: Any) -> TestResponse:
    """Send a built submission with ``client`` (kwargs go to the client, e.g.
    ``follow_redirects=True``)."""
    if submission.method == "get":
        path = urlsplit(submission.path).path
        query = urlencode([(k, v) for k, v in submission.pairs])
        return client.get(f"{path}?{query}" if query else path, **kwargs)
    if submission.enctype == MULTIPART:
        data: MultiDict[str, Any] = MultiDict(
            [(k, v.as_upload() if isinstance(v, FilePart) else v) for k, v in submission.pairs]
        )
        return client.post(submission.path, data=data, content_type=MULTIPART, **kwargs)
    body = urlencode(submission.pairs, encoding="utf-8")
    return client.post(submission.path, data=body, content_type=URLENCODED, **kwargs)


def submit(
    client: FlaskClient,
    response: TestResponse,
    form: FormSelector = None,
    *,
    fill: Mapping[str, str | Sequence[str]] | None = None,
    tick: Mapping[TickKey, bool] | Iterable[TickKey] | None = None,
    button: str | tuple[str, str] | None = None,
    files: Mapping[str, FileValue] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """Submit ``form`` of the rendered ``response`` as a browser would; return the answer."""
    submission = build(response, form, fill=fill, tick=tick, button=button, files=files)
    return send(client, submission, **kwargs)


def sent_values(response: TestResponse, form: FormSelector, name: str) -> list[str]:
    """What ``form`` of the rendered ``response`` would send for ``name`` as it stands: the
    typed text, the chosen options, the checked radio button."""
    controls = [c for c in find_form(response, form).controls if c.name == name]
    if any(c.kind == "select" for c in controls):
        return [value for c in controls for value, chosen in c.options if chosen]
    if any(c.kind == "radio" for c in controls):
        return [c.value for c in controls if c.checked]
    return [c.value for c in controls]
