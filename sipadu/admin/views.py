"""The admin console: accounts, instance settings, public texts, the channels' service
accounts (read only). No route here opens a case."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from sipadu.accounts.models import ROLES, StaffAccount
from sipadu.admin import service as admin_service
from sipadu.app_context import current_audit_key, current_settings
from sipadu.audit.actors import staff_actor
from sipadu.cases.deadlines import DeadlinePolicy, DeadlinePolicyError
from sipadu.cases.holidays import HolidayParseError, parse_holiday_edits
from sipadu.cases.national_holidays import national_holidays_of
from sipadu.channels.accounts import list_accounts as list_service_accounts
from sipadu.crypto.errors import DecryptionError, InvalidSessionTokenError
from sipadu.crypto.sessions import (
    SessionToken,
    open_for_session,
    seal_for_session,
    session_from_token,
)
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.sessions.web import cookie_name
from sipadu.staff import accounts as staff_accounts
from sipadu.staff import activation, service
from sipadu.staff.setup import ACCOUNT_SETUP_LIFETIME
from sipadu.staff.views import account_errors
from sipadu.unit_of_work import discard_now
from sipadu.web.auth import current_principal, require_roles
from sipadu.web.dates import wib_time
from sipadu.web.nav import add_staff_nav
from sipadu.web.user_errors import NotFoundError

bp = Blueprint("admin", __name__, url_prefix="/admin")
add_staff_nav("admin.accounts", lazy_gettext("Accounts"), (StaffRole.ADMIN,), order=60)
add_staff_nav("admin.settings", lazy_gettext("Settings"), (StaffRole.ADMIN,), order=61)
add_staff_nav("admin.texts", lazy_gettext("Public texts"), (StaffRole.ADMIN,), order=62)
add_staff_nav(
    "admin.service_accounts", lazy_gettext("Service accounts"), (StaffRole.ADMIN,), order=63
)
TEXT_LABELS = {
    "landing_intro": lazy_gettext("Landing page introduction"),
    "guidance": lazy_gettext("Guidance for reporters"),
    "privacy_notice": lazy_gettext("Privacy notice"),
    "institution_name": lazy_gettext("Institution name (every page; empty: the built-in name)"),
    "institution_address": lazy_gettext("Address (every page; empty: the built-in address)"),
    "hotline": lazy_gettext("Hotline (every page; shown only when filled in)"),
    "legal_basis": lazy_gettext("Legal basis (every page; empty: the built-in text)"),
    "whistleblower_protection": lazy_gettext(
        "Protection of whistleblowers (every page; empty: the built-in text)"
    ),
}
_INT_FIELDS = (
    "acknowledge_working_days",
    "verification_days",
    "feedback_days",
    "resolution_days",
    "due_soon_working_days",
)


def _actor() -> str:
    principal = current_principal()
    assert principal is not None  # noqa: S101  (require_roles ran)
    return staff_actor(principal.staff_id)


def _account(staff_id: int) -> StaffAccount:
    account = db_session().get(StaffAccount, staff_id)
    if account is None:
        raise NotFoundError()
    return account


@bp.get("/")
@require_roles(StaffRole.ADMIN)
def accounts() -> str:
    """Every staff account with its role, state and actions."""
    return render_template(
        "admin/accounts.html",
        accounts=service.list_accounts(db_session()),
        roles=ROLES,
        me=_actor(),
    )


@bp.post("/accounts")
@require_roles(StaffRole.ADMIN)
def create_account() -> ResponseReturnValue:
    """Create an account without a password; show the one-time setup link for its owner."""
    form, db = request.form, db_session()
    try:
        link = staff_accounts.create_pending_account(
            db,
            form.get("username", ""),
            form.get("role", ""),
            audit_key=current_audit_key(),
            actor=_actor(),
            email=form.get("email"),
        )
    except service.StaffServiceError as error:
        discard_now(db)  # before the listing below: it must not show the refused account
        return render_template(
            "admin/accounts.html",
            accounts=service.list_accounts(db),
            roles=ROLES,
            me=_actor(),
            errors=account_errors(error),
        ), 400
    return _show_link_once(link, reset=False)


# The Flask session key under which a new setup link waits, sealed, for the page that shows
# it once: the form's answer is a redirect, so reloading the page never creates a second
# account, and the link appears on exactly one page view.
_SHOWN_ONCE = "setup_link_once"


def _staff_token() -> SessionToken | None:
    try:
        return session_from_token(request.cookies.get(cookie_name("staff"), ""))
    except InvalidSessionTokenError:
        return None


def _show_link_once(link: staff_accounts.SetupLink, *, reset: bool) -> ResponseReturnValue:
    """Seal the link for this admin's session (the cookie holds ciphertext only) and send
    the browser to the page that shows it."""
    token = _staff_token()
    if token is not None:
        value = {
            "staff_id": link.account.id,
            "url": link.url(current_settings().base_url),
            "expires": wib_time(link.expires_at) + " WIB",
            "reset": reset,
        }
        sealed = seal_for_session(token, json.dumps(value).encode())
        session[_SHOWN_ONCE] = base64.b64encode(sealed).decode("ascii")
    return redirect(url_for("admin.setup_link", staff_id=link.account.id), code=303)


def _link_once(staff_id: int) -> dict[str, Any] | None:
    """The sealed link for ``staff_id``, taken out of the session (so shown once), or None."""
    stored, token = session.pop(_SHOWN_ONCE, None), _staff_token()
    if not isinstance(stored, str) or token is None:
        return None
    try:
        value = json.loads(open_for_session(token, base64.b64decode(stored)))
    except (DecryptionError, ValueError):
        return None
    return value if isinstance(value, dict) and value.get("staff_id") == staff_id else None


@bp.get("/accounts/<int:staff_id>/link")
@require_roles(StaffRole.ADMIN)
def setup_link(staff_id: int) -> ResponseReturnValue:
    """The one-time setup link of an account just created or reset, shown on this one page
    view; a reload says it was shown and how to get a new one (reset)."""
    account = _account(staff_id)
    shown = _link_once(staff_id)
    return render_template(
        "admin/setup_link.html",
        account=account,
        reset=bool(shown and shown.get("reset")),
        first=not activation.approved_exists(db_session(), account.role),
        url=shown["url"] if shown else None,
        hours=int(ACCOUNT_SETUP_LIFETIME.total_seconds() // 3600),
        expires=shown["expires"] if shown else "",
    )


@bp.get("/accounts/<int:staff_id>/deactivate")
@require_roles(StaffRole.ADMIN)
def confirm_deactivate(staff_id: int) -> ResponseReturnValue:
    """Ask before deactivating: the person is signed out everywhere at once."""
    account = _account(staff_id)
    return render_template(
        "staff/confirm.html",
        title=gettext("Deactivate the account %(name)s?", name=account.username),
        explanation=gettext(
            "%(name)s is signed out everywhere at once, cannot sign in and receives no new "
            "cases. You can reactivate the account later from the accounts page.",
            name=account.username,
        ),
        action=url_for("admin.deactivate", staff_id=account.id),
        button=gettext("Yes, deactivate %(name)s", name=account.username),
        back=url_for("admin.accounts"),
    )


@bp.post("/accounts/<int:staff_id>/reactivate")
@require_roles(StaffRole.ADMIN)
def reactivate(staff_id: int) -> ResponseReturnValue:
    """Reactivate a deactivated account (a supervisor waits for another's approval again)."""
    account = _account(staff_id)
    service.reactivate(db_session(), account, audit_key=current_audit_key(), actor=_actor())
    flash(gettext("Account %(name)s reactivated.", name=account.username), "success")
    return redirect(url_for("admin.accounts"), code=303)


@bp.post("/accounts/<int:staff_id>/deactivate")
@require_roles(StaffRole.ADMIN)
def deactivate(staff_id: int) -> ResponseReturnValue:
    """Deactivate an account (never one's own: that would lock the last admin out)."""
    account = _account(staff_id)
    if _actor() == staff_actor(account.id):
        flash(gettext("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.accounts"), code=303)
    service.deactivate(db_session(), account, audit_key=current_audit_key(), actor=_actor())
    flash(
        gettext("Account %(name)s deactivated; its sessions were ended.", name=account.username),
        "success",
    )
    return redirect(url_for("admin.accounts"), code=303)


@bp.post("/accounts/<int:staff_id>/email")
@require_roles(StaffRole.ADMIN)
def set_email(staff_id: int) -> ResponseReturnValue:
    """Set or clear the address that receives content-free notifications."""
    account, db = _account(staff_id), db_session()
    try:
        service.set_email(
            db, account, request.form.get("email"), audit_key=current_audit_key(), actor=_actor()
        )
    except service.InvalidEmailError as error:
        discard_now(db)  # a refusal answered with a redirect: nothing of it is kept
        flash(account_errors(error)[0], "error")
        return redirect(url_for("admin.accounts"), code=303)
    flash(gettext("E-mail address saved."), "success")
    return redirect(url_for("admin.accounts"), code=303)


@bp.route("/accounts/<int:staff_id>/reset", methods=["GET", "POST"])
@require_roles(StaffRole.ADMIN)
def reset(staff_id: int) -> ResponseReturnValue:
    """Reset an account: key pair, TOTP and approval dropped, sessions ended; a new setup
    link for the owner (case access must be granted again)."""
    account, db = _account(staff_id), db_session()
    if request.method == "GET":
        return render_template("admin/reset.html", account=account)
    lost, link = staff_accounts.reset_account(
        db, account, audit_key=current_audit_key(), actor=_actor()
    )
    flash(
        gettext(
            "Account %(name)s was reset. %(count)d case grants no longer open and were "
            "removed: a supervisor must grant those cases again.",
            name=account.username,
            count=lost,
        ),
        "success",
    )
    return _show_link_once(link, reset=True)


# Each number of the settings form: its label (as on the form) and the range it must be in.
NUMBER_FIELDS: dict[str, tuple[Any, int, int]] = {
    "acknowledge_working_days": (
        lazy_gettext("Acknowledge receipt within (working days)"),
        1,
        366,
    ),
    "verification_days": (lazy_gettext("Verification decision within (days)"), 1, 366),
    "feedback_days": (lazy_gettext("Feedback to the reporter at least every (days)"), 1, 366),
    "resolution_days": (lazy_gettext("Resolution target (days)"), 1, 366),
    "due_soon_working_days": (
        lazy_gettext("Show as due soon (working days before)"),
        0,
        30,
    ),
    "retention_days": (lazy_gettext("Retention after archiving (days)"), 30, 3650),
    "max_file_mib": (lazy_gettext("Largest attachment (MiB)"), 1, 1024),
    "max_files": (lazy_gettext("Attachments per upload"), 1, 50),
}


def _numbers_from_form() -> tuple[dict[str, int], list[str]]:
    """Every number of the form, and one message per field that is not a whole number in
    its range, naming the field as the form labels it."""
    numbers: dict[str, int] = {}
    errors: list[str] = []
    for name, (label, low, high) in NUMBER_FIELDS.items():
        typed = request.form.get(name, "").strip()
        value = int(typed) if typed.isdigit() and len(typed) < 6 else None
        if value is None or not low <= value <= high:
            errors.append(
                gettext(
                    "“%(field)s”: write a whole number from %(low)d to %(high)d.",
                    field=label,
                    low=low,
                    high=high,
                )
            )
        else:
            numbers[name] = value
    return numbers, errors


def _settings_from_form(
    current: admin_service.InstanceSettings, numbers: dict[str, int]
) -> admin_service.InstanceSettings:
    form = request.form
    policy = DeadlinePolicy(
        **{name: numbers[name] for name in _INT_FIELDS},
        verification_in_working_days=bool(form.get("verification_in_working_days")),
    )
    edits = parse_holiday_edits(form.get("holidays", ""))
    return replace(
        current,
        deadlines=policy,
        holidays=dict(edits.added),
        removed_holidays=dict(edits.removed),
        retention_days=numbers["retention_days"],
        max_file_mib=numbers["max_file_mib"],
        max_files=numbers["max_files"],
    )


def _settings_page(values: admin_service.InstanceSettings, errors: list[str] | None = None) -> str:
    """The settings form, with this year's and next year's national days for reference."""
    year = wib_today().year
    national = {y: national_holidays_of(y) for y in (year, year + 1)}
    return render_template("admin/settings.html", values=values, errors=errors, national=national)


@bp.route("/settings", methods=["GET", "POST"])
@require_roles(StaffRole.ADMIN)
def settings() -> ResponseReturnValue:
    """Deadlines, holidays, retention period and upload limits."""
    db = db_session()
    current = admin_service.get_instance_settings(db)
    if request.method == "GET":
        return _settings_page(current)
    numbers, errors = _numbers_from_form()
    try:
        if not errors:
            admin_service.save_instance_settings(
                db,
                _settings_from_form(current, numbers),
                audit_key=current_audit_key(),
                actor=_actor(),
            )
    except HolidayParseError as error:
        errors = [str(problem) for problem in error.problems]
    except (ValueError, DeadlinePolicyError):  # the ranges above are the service's own
        errors = [gettext("A number is outside its range; nothing was saved.")]
    if errors:
        return _settings_page(current, errors), 400
    flash(gettext("Settings saved."), "success")
    return redirect(url_for("admin.settings"), code=303)


@bp.route("/texts", methods=["GET", "POST"])
@require_roles(StaffRole.ADMIN)
def texts() -> ResponseReturnValue:
    """Public texts with limited HTML (paragraphs, emphasis, lists, links)."""
    db = db_session()
    if request.method == "POST":
        removed = False
        try:
            for key in admin_service.PUBLIC_TEXT_KEYS:
                typed = request.form.get(key, "")
                stored = admin_service.set_public_text(
                    db, key, typed, audit_key=current_audit_key(), actor=_actor()
                )
                removed = removed or admin_service.markup_removed(typed, stored)
        except admin_service.PublicTextTooLongError:
            # A refusal answered with a redirect: the texts saved before it are not kept.
            discard_now(db)
            flash(gettext("A text is too long (at most 20,000 characters)."), "error")
            return redirect(url_for("admin.texts"), code=303)
        if removed:
            flash(gettext("Public texts saved. Disallowed markup was removed."), "info")
        else:
            flash(gettext("Public texts saved."), "success")
        return redirect(url_for("admin.texts"), code=303)
    current = {
        key: admin_service.get_public_text(db, key) or "" for key in admin_service.PUBLIC_TEXT_KEYS
    }
    return render_template("admin/texts.html", texts=current, labels=TEXT_LABELS)


@bp.get("/service-accounts")
@require_roles(StaffRole.ADMIN)
def service_accounts() -> str:
    """The other systems that may file reports (read only: tokens are made at the shell)."""
    return render_template(
        "admin/service_accounts.html", accounts=list_service_accounts(db_session())
    )


@bp.app_context_processor
def _public_texts() -> dict[str, object]:
    def public_text(key: str) -> Markup | None:
        return admin_service.get_public_text(db_session(), key)

    def service_text(key: str) -> Markup | None:
        # Every page's footer shows these: read once per request, and an error page shown
        # because the database failed still renders, with the built-in texts.
        if "sipadu_public_texts" not in g:
            try:
                g.sipadu_public_texts = admin_service.stored_public_texts(db_session())
            except SQLAlchemyError:
                g.sipadu_public_texts = {}
        return admin_service.trust_text(g.sipadu_public_texts, key)

    return {"public_text": public_text, "service_text": service_text}
