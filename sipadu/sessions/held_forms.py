"""Refused staff forms held server-side for the redirect that shows them again.

A refused form is answered with a redirect to its page (Post/Redirect/Get), so reloading the
page never sends the form twice. What was typed waits in the staff session's row, sealed under
the session token's secret (the row alone opens nothing, no cookie carries it), until that page
takes it: one form at a time, gone with the session.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from sqlalchemy.orm import Session

from sipadu.crypto.errors import DecryptionError, InvalidSessionTokenError
from sipadu.crypto.sessions import (
    SessionToken,
    open_held_form,
    seal_held_form,
    session_from_token,
)
from sipadu.sessions.models import AuthSession
from sipadu.sessions.web import cookie_name


def _staff_session(db: Session) -> tuple[SessionToken, AuthSession] | None:
    try:
        token = session_from_token(request.cookies.get(cookie_name("staff"), ""))
    except InvalidSessionTokenError:
        return None
    row = db.get(AuthSession, token.id_hash)
    return (token, row) if row is not None else None


def hold_form(db: Session, values: dict[str, Any]) -> bool:
    """Keep ``values`` (strings, JSON-serialisable) for this staff session, replacing any form
    held before; False when the request has no staff session to hold it in."""
    found = _staff_session(db)
    if found is None:
        return False
    token, row = found
    row.held_form = seal_held_form(token, json.dumps(values).encode())
    db.flush()
    return True


def peek_held_form(db: Session) -> dict[str, Any] | None:
    """The form this staff session holds, left in place (None if none or unreadable)."""
    found = _staff_session(db)
    if found is None or found[1].held_form is None:
        return None
    try:
        value = json.loads(open_held_form(found[0], found[1].held_form))
    except (DecryptionError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def take_held_form(db: Session) -> dict[str, Any] | None:
    """The form this staff session holds, removed from it (shown once)."""
    value = peek_held_form(db)
    found = _staff_session(db)
    if found is not None and found[1].held_form is not None:
        found[1].held_form = None
        db.flush()
    return value
