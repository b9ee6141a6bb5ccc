"""Staff sign-in pages: login with TOTP, first-run setup, TOTP enrolment, logout, password.

The flow for an account without confirmed TOTP: the password is checked, the browser gets a
short-lived marker in the signed Flask session (the account id only, no secret), the
enrolment page shows the QR code and the secret, and the person confirms with their password
and a first code. Only then is the private key unlocked and a staff session started.
"""

from __future__ import annotations

import time
from typing import cast

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext, ngettext
from markupsafe import Markup
from sqlalchemy.orm import Session

from sipadu.accounts.models import ROLES, StaffAccount
from sipadu.app_context import current_audit_key, current_settings
from sipadu.audit.actors import staff_actor
from sipadu.audit.recorder import audit
from sipadu.confidential.pending import pending_count
from sipadu.confidential.rules import approver_actions
from sipadu.crypto.params import Argon2Params
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.sessions.models import Channel, SessionKind
from sipadu.sessions.service import end_session, start_session
from sipadu.sessions.web import (
    StaffPrincipal,
    clear_session_cookie,
    cookie_name,
    set_session_cookie,
)
from sipadu.staff import activation, case_sharing, service, setup, totp
from sipadu.staff import login as sign_in_flow
from sipadu.staff.passwords import WeakPasswordError
from sipadu.staff.totp_secrets import TotpSecretUnreadableError, set_totp_secret, totp_secret_of
from sipadu.unit_of_work import commit_now, discard_now
from sipadu.web.auth import current_principal, public, require_roles
from sipadu.web.nav import add_staff_nav
from sipadu.web.ratelimit import LOGIN_LIMITS, limiter
from sipadu.web.redirects import safe_target
from sipadu.web.user_errors import UserFacingError

bp = Blueprint("staff", __name__, url_prefix="/staff")
ENROL_KEY, ENROL_UNTIL = "enrol_staff_id", "enrol_until"
ENROL_SECONDS = 15 * 60
FAILED = lazy_gettext(
    "The username, password or code is not correct. After several failed "
    "attempts, signing in pauses for a few minutes."
)

add_staff_nav("staff.home", lazy_gettext("Home"), tuple(ROLES), order=0)
add_staff_nav("staff.password", lazy_gettext("Change password"), tuple(ROLES), order=90)


def _params() -> Argon2Params:
    return current_settings().argon2


def _principal() -> StaffPrincipal:
    principal = current_principal()
    if not isinstance(principal, StaffPrincipal):
        raise UserFacingError(status=401)
    return principal


def _begin_session(result: service.LoginResult, target: str | None) -> Response:
    """Regenerate: drop any previous session, start a fresh one with a new token."""
    db = db_session()
    old = request.cookies.get(cookie_name("staff"))
    if old:
        end_session(db, old)
    token = start_session(
        db,
        kind=SessionKind.STAFF,
        payload=result.private_key,
        staff_id=result.account.id,
        channel=Channel.WEB,
    )
    session.pop(ENROL_KEY, None)
    session.pop(ENROL_UNTIL, None)
    response = make_response(redirect(safe_target(target, url_for("staff.home")), code=303))
    set_session_cookie(response, "staff", token)
    return response


def _throttled(template: str, **context: object) -> ResponseReturnValue:
    # Answered exactly like a wrong password: a distinct "too many attempts" page would tell
    # a stranger which usernames exist (only real accounts can be throttled).
    commit_now()  # what the refusal recorded outlives the error page
    return render_template(template, error=str(FAILED), **context), 401


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(LOGIN_LIMITS, methods=["POST"])
def login() -> ResponseReturnValue:
    """Sign in with username, password and the authenticator code."""
    # An unsafe target is dropped here, so the page never carries it into its form either.
    target = safe_target(request.values.get("next"), "") or None
    if request.method == "GET":
        return render_template("staff/login.html", next=target)
    form = request.form
    # Typed again after a refusal, the username only (never the password or the code).
    typed_name = form.get("username", "")[:64]
    db = db_session()
    try:
        result = sign_in_flow.authenticate(
            db,
            form.get("username", ""),
            form.get("password", ""),
            form.get("totp", ""),
            params=_params(),
            audit_key=current_audit_key(),
        )
    except service.EnrolmentRequiredError as needed:
        session[ENROL_KEY], session[ENROL_UNTIL] = needed.staff_id, time.time() + ENROL_SECONDS
        return redirect(url_for("staff.enrol"), code=303)
    except service.LoginThrottledError:
        return _throttled("staff/login.html", next=target, username=typed_name)
    except service.LoginFailedError:
        commit_now(db)  # the counted failure and its audit event outlive the error page
        page = render_template(
            "staff/login.html", error=str(FAILED), next=target, username=typed_name
        )
        return page, 401
    return _begin_session(result, target)


def _enrolling_account() -> StaffAccount | None:
    staff_id, until = session.get(ENROL_KEY), session.get(ENROL_UNTIL)
    if not isinstance(staff_id, int) or not isinstance(until, float | int) or until < time.time():
        return None
    account = db_session().get(StaffAccount, staff_id)
    if account is None or not account.active or account.totp_confirmed:
        return None
    return account


def _secret_to_enrol(account: StaffAccount) -> str:
    """The secret the enrolment page shows. One that does not open (altered or moved) is
    replaced: no authenticator app holds it yet, as enrolment is not confirmed."""
    key = current_audit_key()
    try:
        secret = totp_secret_of(account, key)
    except TotpSecretUnreadableError:
        secret = None
    if secret is None:
        secret = totp.new_totp_secret()
        set_totp_secret(account, key, secret)
        commit_now(db_session())  # the code the owner types next must match this secret
    return secret


def _enrol_page(
    account: StaffAccount, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    secret = _secret_to_enrol(account)
    uri = totp.provisioning_uri(secret, account.username)
    qr = Markup(totp.qr_svg(uri))  # noqa: S704 - segno output of our own URI
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template(
        "staff/enrol.html", account=account, qr=qr, secret=grouped, error=error
    ), status


@bp.route("/enrol", methods=["GET", "POST"])
@public
@limiter.limit(LOGIN_LIMITS, methods=["POST"])
def enrol() -> ResponseReturnValue:
    """Show the QR code and secret; confirm with the password and a first code."""
    account = _enrolling_account()
    if account is None:
        flash(gettext("Please sign in first."), "info")
        return redirect(url_for("staff.login"), code=303)
    if request.method == "GET":
        return _enrol_page(account)
    db = db_session()
    try:
        result = sign_in_flow.confirm_enrolment(
            db,
            account.id,
            request.form.get("password", ""),
            request.form.get("totp", ""),
            params=_params(),
            audit_key=current_audit_key(),
        )
    except service.LoginThrottledError as error:
        commit_now(db)  # what the refusal recorded outlives the error page
        return _enrol_page(
            account,
            ngettext(
                "Too many failed attempts. Please wait %(num)d second and try again.",
                "Too many failed attempts. Please wait %(num)d seconds and try again.",
                error.retry_after,
            ),
            429,
        )
    except service.LoginFailedError:
        commit_now(db)  # the counted failure and its audit event outlive the error page
        return _enrol_page(
            account,
            gettext(
                "The password or code is not correct. Check the "
                "time on your phone and try the next code."
            ),
            401,
        )
    return _begin_session(result, None)


@bp.route("/setup/<token>", methods=["GET", "POST"])
@public
@limiter.limit(LOGIN_LIMITS, methods=["POST"])
def first_run(token: str) -> ResponseReturnValue:
    """Create the first admin with the one-time URL that `sipadu serve` printed."""
    db = db_session()
    try:
        setup.check_setup_token(db, token)
    except setup.SetupTokenError:
        return render_template("staff/setup_invalid.html"), 404
    if request.method == "GET":
        return render_template("staff/setup.html", token=token)
    form = request.form
    errors = _password_pair_errors(form.get("password", ""), form.get("password2", ""))
    if not errors:
        try:
            account = setup.create_first_admin(
                db,
                token,
                form.get("username", ""),
                form.get("password", ""),
                params=_params(),
                audit_key=current_audit_key(),
            )
        except (service.StaffServiceError, WeakPasswordError, setup.SetupTokenError) as error:
            errors = account_errors(error)
    if errors:
        discard_now(db)  # a refusal may leave a failed flush behind; the page reads again
        return render_template(
            "staff/setup.html", token=token, errors=errors, username=form.get("username", "")
        ), 400
    session[ENROL_KEY], session[ENROL_UNTIL] = account.id, time.time() + ENROL_SECONDS
    return redirect(url_for("staff.enrol"), code=303)


def _password_pair_errors(password: str, repeated: str) -> list[str]:
    if password != repeated:
        return [gettext("The two passwords are not the same.")]
    return []


def account_errors(error: Exception) -> list[str]:
    """Translated messages for the account service's refusals (shared with the admin pages)."""
    if isinstance(error, WeakPasswordError):
        return error.messages
    messages = {
        service.InvalidUsernameError: gettext(
            "The username must be 2-64 characters: lower-case letters, digits, dots, dashes "
            "or underscores."
        ),
        service.DuplicateUsernameError: gettext("This username is already taken."),
        service.UnknownRoleError: gettext("Choose one of the roles offered."),
        service.InvalidEmailError: gettext("The e-mail address is not valid."),
        service.LoginFailedError: gettext("The current password is not correct."),
        setup.SetupTokenError: gettext("This setup link is no longer valid."),
    }
    for kind, message in messages.items():
        if isinstance(error, kind):
            return [message]
    return [gettext("The request could not be completed.")]


@bp.post("/logout")
@require_roles(*ROLES)
def logout() -> Response:
    """End this session on the server and forget the cookie."""
    principal = _principal()
    db = db_session()
    token = request.cookies.get(cookie_name("staff"), "")
    end_session(db, token)
    audit("staff:logout", actor=staff_actor(principal.staff_id))
    g.principal = None
    flash(gettext("You are signed out."), "info")
    response = make_response(redirect(url_for("staff.login"), code=303))
    clear_session_cookie(response, "staff")
    return response


@bp.get("/")
@require_roles(*ROLES)
def home() -> str:
    """A start page linking to what this role can use; supervisors and admins also see
    whether reports are accepted and how many open cases nobody can read, approvers how many
    four-eyes requests wait for them (counts only)."""
    principal = _principal()
    unreadable, ready = None, True
    if principal.role in (StaffRole.SUPERVISOR, StaffRole.ADMIN):
        db = db_session()
        unreadable, ready = (
            case_sharing.unreadable_open_case_count(db),
            activation.readers_exist(db),
        )
    # Four-eyes requests this role decides on, still in time (counts only).
    approvals = pending_count(
        db_session(), approver_actions(principal.role), not_asked_by=principal.staff_id
    )
    return render_template(
        "staff/home.html",
        principal=principal,
        unreadable=unreadable,
        ready=ready,
        approvals=approvals,
        approval_wait=_approval_wait(db_session(), principal.staff_id),
    )


def _approval_wait(db: Session, staff_id: int) -> str | None:
    """Who approves this account while it waits (an account created on the shell or by an
    admin looks usable yet receives nothing): "peer", another approved account of its role,
    or "escrow", the escrow key holder when none exists yet; None once approved."""
    account = db.get(StaffAccount, staff_id)
    if account is None or not activation.is_awaiting_approval(account):
        return None
    return "peer" if activation.approved_exists(db, account.role) else "escrow"


@bp.route("/password", methods=["GET", "POST"])
@require_roles(*ROLES)
def password() -> ResponseReturnValue:
    """Change the password: the private key is re-wrapped; other sessions end."""
    principal = _principal()
    if request.method == "GET":
        return render_template("staff/password.html")
    form = request.form
    db = db_session()
    account = cast(StaffAccount, db.get(StaffAccount, principal.staff_id))
    errors = _password_pair_errors(form.get("new_password", ""), form.get("new_password2", ""))
    if not errors:
        try:
            service.change_password(
                db,
                account,
                form.get("old_password", ""),
                form.get("new_password", ""),
                params=_params(),
                audit_key=current_audit_key(),
                keep_session_hash=principal.session_id_hash,
            )
        except (service.StaffServiceError, WeakPasswordError) as error:
            errors = account_errors(error)
    commit_now(db)  # also keeps the audit event of a wrong current password (a 400 page)
    if errors:
        return render_template("staff/password.html", errors=errors), 400
    flash(gettext("Your password was changed. Your other sessions were ended."), "success")
    return redirect(url_for("staff.home"), code=303)
