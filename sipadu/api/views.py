"""The API blueprint: JSON only, CSRF-exempt (no cookies are used), never sets a cookie."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify

from sipadu.api.openapi import document
from sipadu.web.auth import public
from sipadu.web.security import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """The OpenAPI description of API v1."""
    return jsonify(document())


@bp.after_request
def _no_cookies(response: Response) -> Response:
    # Tokens travel in headers; a cookie here would only be something to leak or forge.
    response.headers.pop("Set-Cookie", None)
    response.headers.pop("Vary", None)
    return response


def register_api(app: Flask, *blueprints: Blueprint) -> None:
    """Register the API and its domain blueprints, all exempt from CSRF."""
    nested = {child.name for child, _options in bp._blueprints}
    for blueprint in blueprints:
        # Tests build many apps in one process: nest each blueprint once, before the first
        # app registers ``bp`` (Flask refuses changes to a blueprint after that).
        if blueprint.name not in nested:
            bp.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # Flask-WTF looks at the innermost blueprint only
    csrf.exempt(bp)
    app.register_blueprint(bp)
