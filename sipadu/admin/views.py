"""The admin console: accounts, instance settings, public texts. No route here opens a case."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
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
from sipadu.db import db_session
from sipadu.roles import StaffRole
from sipadu.staff import accounts as staff_accounts
from sipadu.staff import activation, service
from sipadu.staff.setup import ACCOUNT_SETUP_LIFETIME
from sipadu.staff.views import account_errors
from sipadu.unit_of_work import discard_now
from sipadu.web.auth import current_principal, require_roles
from sipadu.web.nav import add_staff_nav
from sipadu.web.user_errors import NotFoundError

bp = Blueprint("admin", __name__, url_prefix="/admin")
add_staff_nav("admin.accounts", lazy_gettext("Accounts"), (StaffRole.ADMIN,), order=60)
add_staff_nav("admin.settings", lazy_gettext("Settings"), (StaffRole.ADMIN,), order=61)
add_staff_nav("admin.texts", lazy_gettext("Public texts"), (StaffRole.ADMIN,), order=62)
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
    return _link_page(link, reset=False)


def _link_page(link: staff_accounts.SetupLink, *, reset: bool) -> str:
    # Rendered once in this response, never flashed: the flash would sit in the cookie.
    return render_template(
        "admin/setup_link.html",
        account=link.account,
        reset=reset,
        first=not activation.readers_exist(db_session()),
        url=link.url(current_settings().base_url),
        hours=int(ACCOUNT_SETUP_LIFETIME.total_seconds() // 3600),
        expires=link.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


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
    return _link_page(link, reset=True)


def _settings_from_form(current: admin_service.InstanceSettings) -> admin_service.InstanceSettings:
    form = request.form
    numbers = {name: int(form.get(name, "")) for name in _INT_FIELDS}
    policy = DeadlinePolicy(
        **numbers, verification_in_working_days=bool(form.get("verification_in_working_days"))
    )
    edits = parse_holiday_edits(form.get("holidays", ""))
    return replace(
        current,
        deadlines=policy,
        holidays=dict(edits.added),
        removed_holidays=dict(edits.removed),
        retention_days=int(form.get("retention_days", "")),
        max_file_mib=int(form.get("max_file_mib", "")),
        max_files=int(form.get("max_files", "")),
    )


def _settings_page(values: admin_service.InstanceSettings, errors: list[str] | None = None) -> str:
    """The settings form, with this year's and next year's national days for reference."""
    year = date.today().year
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
    errors: list[str] = []
    try:
        admin_service.save_instance_settings(
            db, _settings_from_form(current), audit_key=current_audit_key(), actor=_actor()
        )
    except HolidayParseError as error:
        errors = [str(problem) for problem in error.problems]
    except (ValueError, DeadlinePolicyError):
        errors = [
            gettext(
                "Every number must be a whole number within its range: deadlines "
                "1-366 days, retention 30-3650 days, files 1-1024 MiB, 1-50 files."
            )
        ]
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
        try:
            for key in admin_service.PUBLIC_TEXT_KEYS:
                admin_service.set_public_text(
                    db,
                    key,
                    request.form.get(key, ""),
                    audit_key=current_audit_key(),
                    actor=_actor(),
                )
        except admin_service.PublicTextTooLongError:
            # A refusal answered with a redirect: the texts saved before it are not kept.
            discard_now(db)
            flash(gettext("A text is too long (at most 20,000 characters)."), "error")
            return redirect(url_for("admin.texts"), code=303)
        flash(gettext("Public texts saved. Disallowed markup was removed."), "success")
        return redirect(url_for("admin.texts"), code=303)
    current = {
        key: admin_service.get_public_text(db, key) or "" for key in admin_service.PUBLIC_TEXT_KEYS
    }
    return render_template("admin/texts.html", texts=current, labels=TEXT_LABELS)


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
