"""The owner's setup page: the one-time link an admin handed over, to choose the password.

After the password the existing enrolment flow follows (``/staff/enrol``: QR code and secret,
confirmed with the password and a first code); only then does a staff session start.
"""

from __future__ import annotations

import time

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from sipadu.app_context import current_audit_key, current_settings
from sipadu.db import db_session
from sipadu.staff import accounts, setup
from sipadu.staff.passwords import WeakPasswordError
from sipadu.staff.views import ENROL_KEY, ENROL_SECONDS, ENROL_UNTIL, account_errors
from sipadu.unit_of_work import discard_now
from sipadu.web.auth import public
from sipadu.web.ratelimit import LOGIN_LIMITS, limiter

bp = Blueprint("account_setup", __name__, url_prefix="/staff/account-setup")


def _invalid() -> ResponseReturnValue:
    return render_template("staff/account_setup_invalid.html"), 404


@bp.route("/<token>", methods=["GET", "POST"])
@public
@limiter.limit(LOGIN_LIMITS, methods=["POST"])
def page(token: str) -> ResponseReturnValue:
    """Choose the password of the account this link belongs to; TOTP enrolment follows."""
    db = db_session()
    try:
        account = accounts.account_for_setup(db, token)
    except setup.SetupTokenError:
        return _invalid()
    if request.method == "GET":
        return render_template("staff/account_setup.html", token=token, account=account)
    password, repeated = request.form.get("password", ""), request.form.get("password2", "")
    errors = [gettext("The two passwords are not the same.")] if password != repeated else []
    if not errors:
        try:
            account = accounts.complete_setup(
                db, token, password, params=current_settings().argon2, audit_key=current_audit_key()
            )
        except setup.SetupTokenError:
            return _invalid()
        except WeakPasswordError as error:
            errors = account_errors(error)
    if errors:
        discard_now(db)  # the page reads the account again, as it is before this attempt
        account = accounts.account_for_setup(db, token)
        return render_template(
            "staff/account_setup.html", token=token, account=account, errors=errors
        ), 400
    session[ENROL_KEY], session[ENROL_UNTIL] = account.id, time.time() + ENROL_SECONDS
    return redirect(url_for("staff.enrol"), code=303)
