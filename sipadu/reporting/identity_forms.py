"""The reporter's identity on the follow-up page: telling their name and contact (sealed into
the case, ``service.disclose_identity``) and withdrawing it while nobody has opened it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.app_context import current_audit_key, current_settings
from sipadu.confidential.identity import IdentityAlreadyOpenedError, NoIdentityError
from sipadu.confidential.identity_versions import earlier_version_opened
from sipadu.db import db_session
from sipadu.reporting import service
from sipadu.reporting.followup import done, refuse_archived, render_case
from sipadu.reporting.reporter_login import reporter_required
from sipadu.reporting.validation import ReportValidationError, kept_values, validate_report
from sipadu.sessions.web import ReporterPrincipal
from sipadu.unit_of_work import discard_now
from sipadu.web.auth import public

WITHDRAW_TOO_LATE_TEXT = lazy_gettext(
    "The details you sent last can no longer be withdrawn: they have already been opened."
)


@public
@reporter_required
def disclose_identity(reporter: ReporterPrincipal) -> ResponseReturnValue:
    """Seal the reporter's name and contact into the case."""
    try:
        identity = validate_report(
            {"category": "lainnya", "what": "-", **request.form.to_dict()}
        ).identity
    except ReportValidationError as error:
        return render_case(reporter, 422, errors=error.errors, values=kept_values(request.form))
    if identity is None:
        return render_case(
            reporter,
            422,
            values=kept_values(request.form),
            errors={"identity_name": lazy_gettext("Write your name or a way to contact you.")},
        )
    db = db_session()
    case = service.reporter_case(db, reporter.case_id)
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101  (create_app guarantees a keyring)
    try:
        service.disclose_identity(db, case, identity, current_audit_key(), keyring.escrow_public)
    except service.CaseArchivedError:
        return refuse_archived()
    return done(lazy_gettext("Your name and contact were added to the case, encrypted."))


@public
@reporter_required
def withdraw_identity(reporter: ReporterPrincipal) -> ResponseReturnValue:
    """Remove the sealed identity from the case while nobody has opened it."""
    db = db_session()
    case = service.reporter_case(db, reporter.case_id)
    try:
        service.withdraw_identity(db, case, current_audit_key())
    except IdentityAlreadyOpenedError:
        discard_now()  # nothing changed; the page explains why
        flash(WITHDRAW_TOO_LATE_TEXT, "error")
        return redirect(url_for("followup.case_page"), code=303)
    except NoIdentityError:
        return done(lazy_gettext("Your case holds no identity."))
    except service.CaseArchivedError:
        return refuse_archived()
    if earlier_version_opened(db, case):
        return done(
            lazy_gettext(
                "The details you sent last were removed from the case. Details you sent "
                "earlier that were already opened stay readable by the person allowed to "
                "read them, until their permission ends."
            )
        )
    return done(lazy_gettext("Your name and contact were removed from the case."))


def add_identity_routes(bp: Blueprint) -> None:
    """Add the identity forms to the follow-up blueprint."""
    bp.add_url_rule(
        "/kasus/saya/identitas", "disclose_identity", disclose_identity, methods=["POST"]
    )
    bp.add_url_rule(
        "/kasus/saya/identitas/tarik", "withdraw_identity", withdraw_identity, methods=["POST"]
    )
