"""Exporting a case from its page: ask a supervisor, then download the encrypted package
(four eyes: sipadu/confidential/export.py; the package: sipadu/confidential/package.py)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.accounts.models import StaffAccount
from sipadu.app_context import current_audit_key
from sipadu.casework import service
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.held import back_to_form
from sipadu.casework.http import load_case
from sipadu.casework.identity import request_reason
from sipadu.casework.views import acting_staff, render_case, run_case_action
from sipadu.confidential import export as exports
from sipadu.confidential import package
from sipadu.confidential.export_content import export_content
from sipadu.confidential.models import EXPORT_REASONS, ApprovalState, ExportView
from sipadu.confidential.redaction_publish import NoPublishedRedactionError
from sipadu.db import db_session
from sipadu.roles import CASE_ROLES
from sipadu.unit_of_work import discard_now, no_transaction
from sipadu.web.auth import require_roles
from sipadu.web.user_errors import AccessDeniedError, UserFacingError

NO_APPROVAL_TEXT = lazy_gettext(
    "You have no approved export of this case, or it was used or has expired. Ask a "
    "supervisor from the case page."
)


NO_REDACTION_TEXT = lazy_gettext(
    "A redacted export shows the redaction a supervisor published, and this case has none "
    "yet. Mark the spans to redact on the case's redaction page and ask a supervisor to "
    "publish them, or ask for a full export."
)


class ExportRequestRefusedError(service.CaseworkError):
    """The export request could not be made (shown on the case page)."""


class ExportTargetError(service.CaseworkError):
    """The recipient key (or the posted passphrase) is not one age can encrypt to: the case
    page shows the export form again with the message beside the field and what was typed."""


RECIPIENT_TEXT = lazy_gettext(
    "This is not an age public key. Ask the receiving body for theirs: it starts with age1 "
    "and is 62 letters and digits long, without spaces."
)
PASSPHRASE_TEXT = lazy_gettext(
    "The passphrase was changed. Ask for a new passphrase and download the package again."
)


def _account(actor: Actor) -> StaffAccount:
    account = db_session().get(StaffAccount, actor.staff_id)
    assert account is not None  # noqa: S101 - the session's own account
    return account


@require_roles(*CASE_ROLES)
def request_export(code: str) -> ResponseReturnValue:
    """Ask a supervisor (not oneself) to approve one export of this case."""
    raw_reason = request.form.get("reason", "")
    raw_view = request.form.get("view", "")

    def action(opened: OpenCase, actor: Actor) -> None:
        try:
            view = ExportView(raw_view)
        except ValueError:
            raise ExportRequestRefusedError(
                lazy_gettext("Choose a full or a redacted export.")
            ) from None
        try:
            exports.request_export(
                db_session(),
                opened.case,
                _account(actor),
                request_reason(raw_reason, EXPORT_REASONS),
                audit_key=current_audit_key(),
                view=view,
            )
        except exports.DuplicateExportRequestError:
            raise ExportRequestRefusedError(
                lazy_gettext("You already have an export request for this case.")
            ) from None
        except exports.ExportNotAllowedError:
            raise ExportRequestRefusedError(
                lazy_gettext("Only a supervisor or investigator handling the case may ask.")
            ) from None
        except NoPublishedRedactionError:
            raise ExportRequestRefusedError(NO_REDACTION_TEXT) from None
        except exports.AgencyGetsRedactedExportError:
            raise ExportRequestRefusedError(
                lazy_gettext(
                    "The reported agency receives only a redacted export: the reporter may "
                    "work there. Choose a redacted export."
                )
            ) from None

    return run_case_action(
        code,
        "export:requested",
        action,
        lazy_gettext("Your export request was sent."),
        typed={"form": "export_request", "reason": raw_reason[:64], "view": raw_view[:32]},
    )


def _approved(opened: OpenCase, actor: Actor) -> None:
    live = exports.live_export_request(db_session(), opened.case, actor.staff_id)
    if live is None or live.state != ApprovalState.APPROVED:
        raise AccessDeniedError(NO_APPROVAL_TEXT)


@require_roles(*CASE_ROLES)
def export_passphrase(code: str) -> ResponseReturnValue:
    """A new passphrase, shown once, and the button that downloads the package under it."""
    actor = acting_staff()
    opened = load_case(code, actor, "export:issued")
    _approved(opened, actor)
    return render_template(
        "casework/export_passphrase.html", case=opened.case, passphrase=package.new_passphrase()
    )


def _target() -> tuple[str | None, str | None, str]:
    recipient = request.form.get("recipient", "").strip()
    passphrase = request.form.get("passphrase", "").strip()
    # The case page's form sends a recipient; the passphrase page's button a passphrase.
    to_recipient = bool(recipient) or "passphrase" not in request.form
    try:
        if to_recipient:
            return package.check_recipient(recipient), None, "recipient"
        return None, package.check_passphrase(passphrase), "passphrase"
    except package.PackageRecipientError:
        raise ExportTargetError(RECIPIENT_TEXT if to_recipient else PASSPHRASE_TEXT) from None


def _refused_target(
    opened: OpenCase, actor: Actor, error: ExportTargetError
) -> ResponseReturnValue:
    """The case page again, the export form showing the refusal beside its field and the
    key as typed (cut to the field's length)."""
    discard_now(db_session())
    form = "export" if error.message is RECIPIENT_TEXT else "export-passphrase"
    typed = {"form": form, "recipient": request.form.get("recipient", "")[:200]}
    answer = back_to_form(opened, typed, error=error.message, status=error.http_status)
    return answer or render_case(
        opened, actor, error=error.message, status=error.http_status, typed=typed
    )


@require_roles(*CASE_ROLES)
def issue_export(code: str) -> ResponseReturnValue:
    """Build the package (PDF and files), encrypt it, record its SHA-256, download it."""
    actor = acting_staff()
    opened = load_case(code, actor, "export:issued")
    _approved(opened, actor)  # no approval: 403 whatever was sent
    try:
        recipient, passphrase, mode = _target()
    except ExportTargetError as error:
        return _refused_target(opened, actor, error)
    db = db_session()
    account = _account(actor)
    store = current_app.extensions["sipadu.blobs"]
    try:
        content = export_content(db, opened.case, account, opened.dek, store)
    except exports.ExportRequestClosedError:
        raise AccessDeniedError(NO_APPROVAL_TEXT) from None
    except NoPublishedRedactionError:
        raise UserFacingError(NO_REDACTION_TEXT, status=409) from None
    with no_transaction(db):  # the PDF, the ZIP and age's scrypt take seconds
        pdf = package.case_pdf(content.title, content.sections)
        zipped = package.zip_package(f"kasus-{content.code}.pdf", pdf, content.files)
        sealed = package.encrypt_package(zipped, recipient=recipient, passphrase=passphrase)
    digest = package.package_digest(sealed)
    try:
        exports.record_export(
            db, content, actor.staff_id, digest, mode=mode, audit_key=current_audit_key()
        )
    except exports.ExportRequestClosedError:  # used by a parallel request meanwhile
        raise AccessDeniedError(NO_APPROVAL_TEXT) from None
    response = Response(sealed, mimetype="application/octet-stream")
    name = f"sipadu-{content.code}.zip.age"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def add_export_routes(blueprint: Blueprint) -> None:
    """Put the export pages on the casework blueprint (sipadu/casework/routes.py)."""
    blueprint.add_url_rule("/<code>/ekspor/minta", view_func=request_export, methods=["POST"])
    blueprint.add_url_rule(
        "/<code>/ekspor/kata-sandi", view_func=export_passphrase, methods=["POST"]
    )
    blueprint.add_url_rule("/<code>/ekspor", view_func=issue_export, methods=["POST"])
