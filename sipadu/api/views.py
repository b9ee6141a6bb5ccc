"""The API blueprint: JSON only, CSRF-exempt (no cookies are used), never sets a cookie."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify

from sipadu.api.json_body import refuse_oversized_json
from sipadu.api.openapi import document
from sipadu.web.auth import public
from sipadu.web.security import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """The OpenAPI description of API v1."""
    return jsonify(document())


# Parent blueprint hooks run for every API blueprint: a JSON body over its view's cap is
# refused before anything reads it (sipadu/api/json_body.py).
bp.before_request(refuse_oversized_json)


@bp.after_request
def _no_cookies(response: Response) -> Response:
    # Tokens travel in headers; a cookie here would only be something to leak or forge.
    response.headers.pop("Set-Cookie", None)
    response.headers.pop("Vary", None)
    return response


def register_api(app: Flask, *blueprints: Blueprint) -> None:
    """Register the API and its domain blueprints, all exempt from CSRF."""
    for blueprint in blueprints:
        # ``bp`` lives at module level: a second app (tests, several workers in one process)
        # must not nest the same child again, which Flask refuses once ``bp`` is registered.
        if all(child is not blueprint for child, _options in bp._blueprints):
            bp.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # Flask-WTF looks at the innermost blueprint only
    csrf.exempt(bp)
    app.register_blueprint(bp)
