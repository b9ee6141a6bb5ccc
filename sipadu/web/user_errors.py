"""One error model for what a user is told: raise a ``UserFacingError``, let one handler answer.

A view (or a helper it calls) refuses a request by raising a ``UserFacingError`` that carries
a translatable message, an HTTP status and, optionally, the field the message is about. One
handler, installed once for the whole app, answers it by the kind of route:

* a JSON API route (``/api/...``) gets the API's error shape,
  ``{"error": {"code", "message", "fields"?}}`` (``fields`` names the field; the shape is the
  ``Error`` schema of the OpenAPI document);
* a page gets the page its view declared with :func:`error_page` (a form re-rendered with the
  message, say), or else the bilingual error page for the status.

The message is translated when the answer is rendered, in the language of the request. It is
a fixed text written for users: never put report content, keys or passwords into one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeAlias, TypeVar

from flask import Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import LazyString

from sipadu.web.errors import API_CODES, ERROR_TEXTS, is_api_request, render_error

View = TypeVar("View", bound=Callable[..., Any])
PageRenderer = Callable[["UserFacingError"], ResponseReturnValue]
Message: TypeAlias = LazyString | str
_PAGE_ATTRIBUTE = "_sipadu_error_page"


class UserFacingError(Exception):
    """A refusal the user reads: a translatable ``message``, an HTTP ``status``, and the
    ``field`` it concerns (if any). ``message`` None means the status's standard text.

    ``code`` is the API's machine-readable error code (by default the status's);
    ``headers`` go on the answer (``Retry-After``, ``WWW-Authenticate``).
    """

    status: int = 400
    default_message: ClassVar[Message | None] = None
    code: str | None = None

    def __init__(
        self,
        message: Message | None = None,
        *,
        status: int | None = None,
        field: str | None = None,
        fields: Mapping[str, Message] | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        # The exception's own text is the status only: a handler that logs it logs no words.
        super().__init__(status or self.status)
        self.message = message if message is not None else self.default_message
        self.status = status or self.status
        self.field = field
        self.fields: dict[str, Message] = dict(fields or {})
        if field is not None and self.message is not None:
            self.fields.setdefault(field, self.message)
        self.code = code or self.code
        self.headers = dict(headers or {})

    def api_code(self) -> str:
        """The code in the JSON answer."""
        return self.code or API_CODES.get(self.status, "error")

    def api_message(self) -> str:
        """The message in the JSON answer, in the request's language."""
        if self.message is None:
            return standard_message(self.status)
        return str(self.message)

    def api_details(self) -> dict[str, Any]:
        """What the JSON ``error`` object carries besides ``code`` and ``message``."""
        if not self.fields:
            return {}
        return {"fields": {name: str(text) for name, text in self.fields.items()}}


class InvalidInputError(UserFacingError):
    """What was sent cannot be used (422), usually naming the field."""

    status = 422


class AccessDeniedError(UserFacingError):
    """The caller may not do this (403)."""

    status = 403


class NotFoundError(UserFacingError):
    """There is no such thing, or none this caller may know of (404)."""

    status = 404


def standard_message(status: int) -> str:
    """The standard message of a status, as the error page shows it."""
    _title, message = ERROR_TEXTS.get(status, ERROR_TEXTS[500 if status >= 500 else 400])
    return str(message)


def error_page(render: PageRenderer) -> Callable[[View], View]:
    """Declare the page that shows a view's ``UserFacingError`` (e.g. its form, re-rendered
    with ``error.message``); without it the bilingual error page answers."""

    def decorate(view: View) -> View:
        setattr(view, _PAGE_ATTRIBUTE, render)
        return view

    return decorate


def plain_text_page(error: UserFacingError) -> ResponseReturnValue:
    """A page renderer for downloads: the message alone, as ``text/plain``."""
    text = error.message if error.message is not None else standard_message(error.status)
    return Response(str(text), status=error.status, mimetype="text/plain")


def json_answer(error: UserFacingError) -> Response:
    """The JSON API's answer to ``error``."""
    body = {"code": error.api_code(), "message": error.api_message(), **error.api_details()}
    response = jsonify({"error": body})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def page_answer(error: UserFacingError) -> ResponseReturnValue:
    """The page answering ``error``: the view's declared page, else the error page."""
    view = current_app.view_functions.get(request.endpoint or "")
    render: PageRenderer | None = getattr(view, _PAGE_ATTRIBUTE, None)
    answer = render(error) if render is not None else render_error(error.status, error.message)
    response = current_app.make_response(answer)
    response.headers.update(error.headers)
    return response


def answer_user_error(error: UserFacingError) -> ResponseReturnValue:
    """JSON for API routes, a page otherwise."""
    return json_answer(error) if is_api_request() else page_answer(error)


def register_user_errors(app: Flask) -> None:
    """Answer every ``UserFacingError`` the app raises (once for all blueprints)."""
    app.register_error_handler(UserFacingError, answer_user_error)
