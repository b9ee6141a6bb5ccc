"""Sessions on the web: cookies for pages, bearer tokens for the staff API.

A staff page request carries the ``sipadu_staff`` cookie; a reporter's follow-up pages the
``sipadu_case`` cookie. Both are HttpOnly, SameSite=Strict, Secure (with the ``__Host-``
prefix) over HTTPS, and carry only the session token. The loader resumes the session, puts
the unlocked key in ``g`` for this request only, and forgets a dead session's cookie.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, Response, g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_settings
from sipadu.cases.models import Case
from sipadu.db import db_session
from sipadu.sessions.models import Channel, SessionKind
from sipadu.sessions.service import (
    OpenSession,
    SessionError,
    end_session,
    resume_session,
)
from sipadu.unit_of_work import commit_now

STAFF_COOKIE = "sipadu_staff"
REPORTER_COOKIE = "sipadu_case"


@dataclass(frozen=True)
class StaffPrincipal:
    """The signed-in staff member of this request, with their unlocked private key."""

    staff_id: int
    role: str
    username: str
    session_id_hash: str
    private_key: bytes = field(repr=False)


@dataclass(frozen=True)
class ReporterPrincipal:
    """The reporter of this request: the one case their key opened, and its DEK."""

    case_id: int
    session_id_hash: str
    dek: bytes = field(repr=False)


def cookie_name(kind: str) -> str:
    """The cookie for a session kind; ``__Host-`` prefixed when served over HTTPS."""
    base = STAFF_COOKIE if kind == "staff" else REPORTER_COOKIE
    return f"__Host-{base}" if current_settings().uses_https else base


def set_session_cookie(response: Response, kind: str, token: str) -> None:
    """Hand the session token to the browser (never readable by scripts or other sites).

    Both kinds are session cookies (no Max-Age): they go when the browser closes, so a shared
    or seized device (a reporter's phone, an office computer) keeps no trace of a visit; the
    server ends the session after its idle time anyway."""
    response.set_cookie(
        cookie_name(kind),
        token,
        httponly=True,
        samesite="Strict",
        secure=current_settings().uses_https,
        path="/",
    )


def clear_session_cookie(response: Response, kind: str) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(
        cookie_name(kind),
        path="/",
        samesite="Strict",
        secure=current_settings().uses_https,
        httponly=True,
    )


def _staff_principal(db: Session, opened: OpenSession) -> StaffPrincipal | None:
    account = db.get(StaffAccount, opened.row.staff_id)
    if account is None or not account.active:
        return None
    return StaffPrincipal(
        account.id, account.role, account.username, opened.row.id_hash, opened.payload
    )


def resume_staff(token: str, channel: str) -> StaffPrincipal | None:
    """The staff principal for a token, or None (the session is gone, expired or forged)."""
    db = db_session()
    try:
        opened = resume_session(db, token, kind=SessionKind.STAFF, channel=channel)
        principal = _staff_principal(db, opened)
        if principal is None:
            end_session(db, token)
    except SessionError:
        principal = None
    # Kept whatever the view then answers (the refreshed idle clock, the deletion of a dead
    # session), and the write lock is not held into the view's own work.
    commit_now(db)
    return principal


def reporter_payload(case_code: str, dek: bytes) -> bytes:
    """What a reporter session seals: the case code and its DEK. The row itself names no
    case, so a database dump taken while a reporter is signed in does not say whose case."""
    return case_code.encode("ascii") + b"\n" + dek


def _reporter_case(db: Session, opened: OpenSession) -> tuple[int, bytes] | None:
    if opened.row.case_id is not None:  # a session started before the code moved inside
        return opened.row.case_id, opened.payload
    code, _, dek = opened.payload.partition(b"\n")
    case_id = db.scalar(select(Case.id).where(Case.code == code.decode("ascii", "replace")))
    return (case_id, dek) if case_id is not None else None


def resume_reporter(token: str) -> ReporterPrincipal | None:
    """The reporter principal for a cookie token, or None (also when the case is gone)."""
    db = db_session()
    try:
        opened = resume_session(db, token, kind=SessionKind.REPORTER, channel=Channel.WEB)
    except SessionError:
        commit_now(db)  # kept whatever the page then answers, like a staff session's
        return None
    found = _reporter_case(db, opened)
    if found is None:
        end_session(db, token)
    commit_now(db)  # kept whatever the page then answers, like a staff session's
    return ReporterPrincipal(found[0], opened.row.id_hash, found[1]) if found else None


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _mark_stale(kind: str) -> None:
    stale: list[str] = g.setdefault("stale_cookies", [])
    stale.append(kind)


def load_staff_principal() -> StaffPrincipal | None:
    """The staff member this request's bearer token (API) or cookie (pages) names, if any.

    Registered as the access check's principal loader, so it runs once, on first use.
    """
    if request.path.startswith("/api/"):
        token = bearer_token()
        return resume_staff(token, channel=Channel.API) if token else None
    token = request.cookies.get(cookie_name("staff"))
    if not token:
        return None
    principal = resume_staff(token, channel=Channel.WEB)
    if principal is None:
        _mark_stale("staff")
    return principal


def current_reporter() -> ReporterPrincipal | None:
    """The reporter whose cookie this page request carries (resumed once per request)."""
    if "reporter" not in g:
        token = request.cookies.get(cookie_name("reporter"))
        g.reporter = resume_reporter(token) if token else None
        if token and g.reporter is None:
            _mark_stale("reporter")
    reporter: ReporterPrincipal | None = g.reporter
    return reporter


def _forget_stale_cookies(response: Response) -> Response:
    for kind in g.get("stale_cookies", []):
        clear_session_cookie(response, kind)
    return response


def configure_sessions(app: Flask) -> None:
    """Install the staff principal loader and the clean-up of cookies of ended sessions.

    Call after ``configure_auth``: the access check asks this loader who is calling."""
    from sipadu.web.auth import set_principal_loader

    set_principal_loader(app, load_staff_principal)
    app.after_request(_forget_stale_cookies)
