"""Staff sessions in the JSON API: log in for a bearer token, log out with it."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.accounts.models import ROLES
from sipadu.api.json_body import (
    JSON_BODY_ERRORS,
    accepts_json,
    json_object,
    json_request_body,
)
from sipadu.api.openapi import error_responses, register
from sipadu.app_context import current_settings
from sipadu.db import db_session
from sipadu.sessions.models import Channel, SessionKind
from sipadu.sessions.service import end_session, start_session
from sipadu.sessions.web import bearer_token
from sipadu.staff import login, service
from sipadu.unit_of_work import commit_now
from sipadu.web.auth import public, require_roles
from sipadu.web.ratelimit import LOGIN_LIMITS, limiter
from sipadu.web.user_errors import UserFacingError

bp = Blueprint("staff_api", __name__, url_prefix="/staff")
INVALID_CREDENTIALS_TEXT = lazy_gettext("The username, password or code is not correct.")


def _field(document: object, name: str) -> str:
    value = document.get(name) if isinstance(document, dict) else None
    return value if isinstance(value, str) else ""


@bp.post("/sessions")
@accepts_json({"username": None, "password": None, "totp": None})
@public
@limiter.limit(LOGIN_LIMITS)
def create_session() -> ResponseReturnValue:
    """Log in with ``{username, password, totp}`` and receive ``{"token"}`` (201)."""
    body = json_object()
    settings = current_settings()
    assert settings.keyring is not None  # noqa: S101
    db = db_session()
    try:
        result = login.authenticate(
            db,
            _field(body, "username"),
            _field(body, "password"),
            _field(body, "totp"),
            params=settings.argon2,
            audit_key=settings.keyring.audit_hmac_key,
            channel=Channel.API,
        )
    except (service.LoginFailedError, service.EnrolmentRequiredError, service.LoginThrottledError):
        # Throttled, unenrolled and wrong all answer alike: only real accounts can be
        # throttled, so a distinct answer would reveal which usernames exist.
        # An account still to enrol TOTP cannot use the API: same answer as any failure.
        commit_now(db)  # the counted failure and its audit event outlive the refusal
        raise UserFacingError(
            INVALID_CREDENTIALS_TEXT, status=401, code="invalid_credentials"
        ) from None
    token = start_session(
        db,
        kind=SessionKind.STAFF,
        payload=result.private_key,
        staff_id=result.account.id,
        channel=Channel.API,
    )
    return jsonify({"token": token}), 201


@bp.delete("/sessions/current")
@require_roles(*ROLES)
def delete_session() -> Response:
    """Log out: the session named by the bearer token is deleted."""
    db = db_session()
    end_session(db, bearer_token() or "")
    return Response(status=204)


_CREDENTIALS = {
    "type": "object",
    "required": ["username", "password", "totp"],
    "additionalProperties": False,
    "properties": {
        "username": {"type": "string"},
        "password": {"type": "string"},
        "totp": {"type": "string", "pattern": "^[0-9]{6}$"},
    },
}
register(
    paths={
        "/staff/sessions": {
            "post": {
                "operationId": "createStaffSession",
                "tags": ["staff"],
                "summary": "Log in (password + TOTP) and receive a bearer token",
                "security": [],
                "requestBody": json_request_body({"$ref": "#/components/schemas/StaffCredentials"}),
                "responses": {
                    "201": {
                        "description": "Logged in",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/StaffToken"}
                            }
                        },
                    },
                    **error_responses(401, 429, *JSON_BODY_ERRORS),
                },
            }
        },
        "/staff/sessions/current": {
            "delete": {
                "operationId": "deleteStaffSession",
                "tags": ["staff"],
                "summary": "Log out: delete the session of this bearer token",
                "security": [{"bearerAuth": []}],
                "responses": {"204": {"description": "Logged out"}, **error_responses(401)},
            }
        },
    },
    schemas={
        "StaffCredentials": _CREDENTIALS,
        "StaffToken": {
            "type": "object",
            "required": ["token"],
            "properties": {"token": {"type": "string"}},
        },
    },
    security_schemes={
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "Token from POST /staff/sessions; 30 minutes idle timeout.",
        }
    },
)
