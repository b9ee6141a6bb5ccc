"""The error model: a ``UserFacingError`` raised in a view is answered by one handler, as the
view's page (or the error page) in the visitor's language, or as the API's JSON shape with
the field named; anything else is still the generic 500 that leaks nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from flask import Blueprint, Flask, render_template_string
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.web.auth import public
from sipadu.web.i18n import LANG_COOKIE
from sipadu.web.user_errors import (
    InvalidInputError,
    NotFoundError,
    UserFacingError,
    error_page,
)

# An existing catalog entry, so both languages can be checked.
MESSAGE = lazy_gettext("This case key was not recognised.")
ENGLISH, INDONESIAN = "This case key was not recognised.", "Kunci kasus ini tidak dikenali."
SECRET = "SPD-SECRET1-REPORT-CONTENT-do-not-show"


def _form_page(error: UserFacingError) -> ResponseReturnValue:
    page = "<form><p class=error data-field='{{ field }}'>{{ message }}</p></form>"
    return render_template_string(page, message=error.message, field=error.field), error.status


def _test_routes() -> tuple[Blueprint, Blueprint]:
    pages = Blueprint("error_model_pages", __name__, url_prefix="/error-model")
    api = Blueprint("error_model_api", __name__, url_prefix="/api/v1/error-model")

    @pages.get("/form")
    @public
    @error_page(_form_page)
    def form() -> ResponseReturnValue:
        """A form view whose refusal re-renders the form."""
        raise InvalidInputError(MESSAGE, field="case_key")

    @pages.get("/plain")
    @public
    def plain() -> ResponseReturnValue:
        """A view with no page of its own: the error page answers."""
        raise UserFacingError(MESSAGE, status=401, headers={"Retry-After": "7"})

    @pages.get("/missing")
    @public
    def missing() -> ResponseReturnValue:
        """A standard refusal without a message of its own."""
        raise NotFoundError()

    @pages.get("/crash")
    @public
    def crash() -> ResponseReturnValue:
        """A bug whose message quotes what a reporter sent."""
        raise RuntimeError(SECRET)

    @api.post("/thing")
    @public
    def api_refusal() -> ResponseReturnValue:
        """A JSON view refusing one field."""
        raise InvalidInputError(MESSAGE, field="body", code="invalid")

    @api.get("/crash")
    @public
    def api_crash() -> ResponseReturnValue:
        """A bug in a JSON view."""
        raise KeyError(SECRET)

    return pages, api


@pytest.fixture
def client(sqlite_app: Flask) -> Iterator[FlaskClient]:
    pages, api = _test_routes()
    sqlite_app.register_blueprint(pages)
    sqlite_app.register_blueprint(api)
    sqlite_app.config["WTF_CSRF_ENABLED"] = False
    yield sqlite_app.test_client()


@pytest.mark.parametrize(("lang", "text"), [("en", ENGLISH), ("id", INDONESIAN)])
def test_a_page_view_re_renders_its_page_with_the_message(
    client: FlaskClient, lang: str, text: str
) -> None:
    client.set_cookie(LANG_COOKIE, lang)
    response = client.get("/error-model/form")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<form>" in html and text in html
    assert "data-field='case_key'" in html


def test_an_indonesian_error_page_repeats_its_text_in_english(client: FlaskClient) -> None:
    client.set_cookie(LANG_COOKIE, "id")
    response = client.get("/error-model/plain")
    assert response.status_code == 401
    assert response.headers["Retry-After"] == "7"
    html = response.get_data(as_text=True)
    assert html.index(INDONESIAN) < html.index(ENGLISH)  # the visitor's language first


def test_an_english_error_page_is_english_only(client: FlaskClient) -> None:
    client.set_cookie(LANG_COOKIE, "en")
    for path, status in (("/error-model/plain", 401), ("/error-model/missing", 404)):
        response = client.get(path)
        assert response.status_code == status
        text = BeautifulSoup(response.get_data(as_text=True), "html.parser").main
        assert text is not None
        words = text.get_text(" ", strip=True)
        assert 'lang="id"' not in str(text)
        for indonesian in (INDONESIAN, "Kode galat", "Kembali", "tidak ada", "Halaman"):
            assert indonesian not in words, (path, indonesian)


def test_a_refusal_without_a_message_shows_the_standard_text(client: FlaskClient) -> None:
    client.set_cookie(LANG_COOKIE, "en")
    response = client.get("/error-model/missing")
    assert response.status_code == 404
    assert "The page you are looking for does not exist." in response.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "text"), [("en", ENGLISH), ("id", INDONESIAN)])
def test_a_json_view_answers_the_api_error_shape_with_the_field(
    client: FlaskClient, lang: str, text: str
) -> None:
    client.set_cookie(LANG_COOKIE, lang)
    response = client.post("/api/v1/error-model/thing")
    assert response.status_code == 422
    assert response.get_json() == {
        "error": {"code": "invalid", "message": text, "fields": {"body": text}}
    }


def test_an_unknown_exception_is_the_generic_500_page_and_leaks_nothing(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.set_cookie(LANG_COOKIE, "en")
    with caplog.at_level(logging.DEBUG):
        response = client.get("/error-model/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    assert SECRET not in html
    assert SECRET not in caplog.text
    assert "RuntimeError" in caplog.text  # the type is logged, not the message


def test_an_unknown_exception_in_a_json_view_is_the_generic_500_json(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.get("/api/v1/error-model/crash")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"]["code"] == "internal_error"
    assert set(body["error"]) == {"code", "message"}
    assert SECRET not in response.get_data(as_text=True)
    assert SECRET not in caplog.text


def test_the_exception_text_holds_the_status_only() -> None:
    # Whatever logs an exception logs no user-facing words.
    error = InvalidInputError(MESSAGE, field="body")
    assert str(error) == "422"
    assert error.fields == {"body": MESSAGE}
