"""Languages: Bahasa Indonesia by default, English on request.

The choice travels in a small cookie set only when the visitor asks to switch; nothing is
read from Accept-Language, which is the same for every Tor Browser user anyway.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, request
from flask_babel import Babel, lazy_gettext, refresh
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from sipadu.resources import PACKAGE_DIR
from sipadu.web.redirects import safe_target

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
# One word per role in each language (docs/architecture.md, glossary); the code's and the
# CLI's word is the role's value.
ROLE_LABELS = {
    "admin": lazy_gettext("Administrator"),
    "supervisor": lazy_gettext("Supervisor"),
    "investigator": lazy_gettext("Investigator"),
    "auditor": lazy_gettext("Auditor"),
    "intake_officer": lazy_gettext("Intake officer"),
    "custodian": lazy_gettext("Identity custodian"),
}


def role_label(role: str) -> str:
    """The role's word in the visitor's language (the raw value for an unknown role)."""
    label = ROLE_LABELS.get(str(role))
    return role if label is None else str(label)


LANG_COOKIE = "sipadu_lang"

babel = Babel()
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The visitor's chosen language, else the deployment's default."""
    chosen = g.get("chosen_locale") or (request.cookies.get(LANG_COOKIE, "") if request else "")
    if chosen in LANGUAGES:
        return chosen
    from sipadu.app_context import current_settings

    return current_settings().default_locale


@bp.get("/bahasa/<code>")
def switch_language(code: str) -> Response:
    """Remember the chosen language and go back to the page the visitor came from."""
    response = redirect(safe_target(request.args.get("next"), "/"), code=303)
    if code in LANGUAGES:
        remember_language(response, code)
    return response


def remember_language(response: Response, code: str) -> None:
    """Set the language cookie (a session cookie: a reporter's browser must not keep a SIPADU
    cookie after it is closed)."""
    response.set_cookie(
        LANG_COOKIE, code, httponly=True, samesite="Strict", secure=request.is_secure
    )


def use_language_now(code: str) -> None:
    """Render the rest of this request in ``code`` (the cookie only applies from the next)."""
    if code in LANGUAGES:
        g.chosen_locale = code
        refresh()


def language_return_path() -> str:
    """Where a language link brings the visitor back to: this page when it can be fetched
    with GET, else the nearest enclosing path that can (a form's answer such as
    ``/kasus/saya/bukti`` leads back to ``/kasus/saya``), else the landing page."""
    rule = request.url_rule
    if request.method == "GET" or (rule is not None and "GET" in (rule.methods or ())):
        return request.path
    adapter = current_app.url_map.bind("localhost")
    path = request.path.rstrip("/")
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        try:
            adapter.match(path or "/", method="GET")
            return path or "/"
        except RequestRedirect as moved:  # "/admin" -> "/admin/"
            return urlsplit(moved.new_url).path
        except HTTPException:
            continue
    return "/"


def configure_i18n(app: Flask) -> None:
    """Attach Flask-Babel and the language switch."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    app.config["BABEL_DEFAULT_LOCALE"] = "en"  # msgids are English; "id" is a catalog
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {
            "languages": LANGUAGES,
            "current_locale": select_locale(),
            "language_return_path": language_return_path,
            "role_label": role_label,
        }
