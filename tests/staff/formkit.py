"""What a browser sends for a rendered form: hidden fields, checked boxes, selected options,
typed values and the pressed submit button (until the shared form helper is merged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import BinaryIO

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse


@dataclass
class Form:
    """One ``<form>``: its action, method, fields as rendered, and its submit buttons."""

    action: str
    method: str
    enctype: str = "application/x-www-form-urlencoded"
    fields: list[tuple[str, str]] = field(default_factory=list)
    inputs: set[str] = field(default_factory=set)
    buttons: list[tuple[str | None, str | None, str]] = field(default_factory=list)

    def submit(self, client: FlaskClient, values: dict[str, str] | None = None,
               button: str | None = None,
               files: dict[str, list[tuple[BinaryIO, str]]] | None = None,
               forged: dict[str, str] | None = None) -> TestResponse:
        """Post the form with ``values`` typed into existing fields and ``button`` pressed
        (by its text; the only button when None), ``files`` in its file inputs, and
        ``forged`` fields the form does not have (what an attacker adds)."""
        typed = values or {}
        unknown = set(typed) - self.inputs
        assert not unknown, f"the form has no field {unknown}"
        data = [(name, typed.get(name, value)) for name, value in self.fields]
        data += [(name, value) for name, value in typed.items()
                 if name not in {n for n, _ in self.fields}]
        chosen = [b for b in self.buttons if button is None or b[2] == button]
        assert len(chosen) == 1, f"buttons: {self.buttons}"
        name, value, _ = chosen[0]
        if name:
            data.append((name, value or ""))
        data += list((forged or {}).items())
        body = MultiDict(data)
        for file_field, uploads in (files or {}).items():
            assert file_field in self.inputs, f"the form has no file input {file_field}"
            for upload in uploads:
                body.add(file_field, upload)
        return client.post(self.action, data=body, content_type=self.enctype)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._selected: str | None = None
        self._button: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "", (a.get("method") or "get").lower(),
                              a.get("enctype") or "application/x-www-form-urlencoded")
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            self._input(a)
        elif tag in ("select", "textarea"):
            self._select, self._selected = a.get("name"), None
            if a.get("name"):
                self._form.inputs.add(a["name"] or "")
        elif tag == "option" and self._select and (self._selected is None
                                                   or "selected" in a):
            self._selected = a.get("value") or ""
        elif tag == "button":
            self._button, self._text = a, ""

    def _input(self, a: dict[str, str | None]) -> None:
        assert self._form is not None
        kind, name = (a.get("type") or "text").lower(), a.get("name")
        if kind == "file":
            self._form.inputs.add(name or "")
        elif kind == "submit":
            self._form.buttons.append((name, a.get("value"), a.get("value") or ""))
        elif name:
            self._form.inputs.add(name)
            if kind not in ("checkbox", "radio") or "checked" in a:
                self._form.fields.append((name, a.get("value") or ""))

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("select", "textarea") and self._form is not None and self._select:
            self._form.fields.append((self._select, self._selected or ""))
            self._select = None
        elif tag == "button" and self._button is not None and self._form is not None:
            if (self._button.get("type") or "submit") == "submit":
                self._form.buttons.append((self._button.get("name"), self._button.get("value"),
                                           self._text.strip()))
            self._button = None
        elif tag == "form":
            self._form = None


def forms_of(page: TestResponse) -> list[Form]:
    """Every form on a rendered page."""
    parser = _Parser()
    parser.feed(page.get_data(as_text=True))
    return parser.forms


def form_to(page: TestResponse, action_part: str) -> Form:
    """The one form whose action contains ``action_part``."""
    found = [f for f in forms_of(page) if action_part in f.action]
    assert len(found) == 1, [f.action for f in forms_of(page)]
    return found[0]


def form_at(page: TestResponse, action: str) -> Form:
    """The one form whose action is exactly ``action``."""
    found = [f for f in forms_of(page) if f.action == action]
    assert len(found) == 1, [f.action for f in forms_of(page)]
    return found[0]
