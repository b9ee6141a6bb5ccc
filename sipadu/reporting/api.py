"""The reporter's JSON API: file a report, then follow it with the case key.

``Authorization: CaseKey <case key>`` is checked on every call (Argon2 through the gate, the
per-code throttle, the rate limit); the API keeps no session and sets no cookie.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.api.json_body import (
    JSON_TYPES,
    MESSAGE_JSON_LIMIT,
    REPORT_JSON_LIMIT,
    accepts_json,
    json_object,
    json_text_part,
)
from sipadu.app_context import current_settings
from sipadu.cases.attachments import AttachmentView
from sipadu.cases.content import MAX_MESSAGE_CHARS
from sipadu.cases.kinds import AuthorKind
from sipadu.cases.service import ServiceNotReadyError
from sipadu.crypto.errors import CaseKeyError
from sipadu.db import db_session
from sipadu.reporting import service
from sipadu.reporting.api_docs import register_openapi
from sipadu.reporting.case_view import status_explanation
from sipadu.reporting.files import (
    BODY_FILE_TYPE,
    MissingFilenameError,
    RefusedFile,
    body_filename,
    receive_body_file,
    sort_uploads,
)
from sipadu.reporting.followup import ARCHIVED_TEXT
from sipadu.reporting.forms import REPORT_TEXT_FIELDS
from sipadu.reporting.readiness import (
    ReportsNotAcceptedError,
    requires_case_readers,
)
from sipadu.reporting.reporter_access import CaseKeyThrottledError, OpenedCase, open_case_with_key
from sipadu.reporting.validation import ReportValidationError, validate_report, validate_text
from sipadu.unit_of_work import commit_now
from sipadu.units.agencies import active_agency_codes
from sipadu.uploads.multipart import EncryptedUpload, accepts_uploads
from sipadu.web.argon2_gate import admit
from sipadu.web.auth import public
from sipadu.web.key_check_slots import case_key_check
from sipadu.web.ratelimit import (
    CASE_KEY_LIMITS,
    SUBMIT_LIMITS,
    client_identifier,
    counts_against_client,
    limiter,
)
from sipadu.web.user_errors import InvalidInputError, UserFacingError

bp = Blueprint("reporting_api", __name__)
register_openapi()

# The report's fields (the identity is an object of its own); anything else is refused.
REPORT_FIELDS = {
    "category": None,
    **{f.name: None for f in REPORT_TEXT_FIELDS},
    "location": None,
    "agency": None,
    "identity": {"name": None, "contact": None},
}


class FilesRefusedError(UserFacingError):
    """Some files were refused, so none was kept; the answer lists each with its reason."""

    code = "files_refused"

    def __init__(self, refused: list[RefusedFile]) -> None:
        too_large = any(r.code == "too_large" for r in refused)
        super().__init__(refused[0].reason, status=413 if too_large else 422)
        self.refused = refused

    def api_details(self) -> dict[str, Any]:
        """Each refused file: its name, the reason's code and the reason in words."""
        return {
            "files": [
                {"filename": r.filename, "reason": r.code, "message": str(r.reason)}
                for r in self.refused
            ]
        }


class CaseArchivedRefusalError(UserFacingError):
    """A write on an archived case (409): the reporter may read it, no longer add to it."""

    def __init__(self) -> None:
        super().__init__(ARCHIVED_TEXT, status=409)


def _invalid(errors: Mapping[str, Any], status: int = 422) -> InvalidInputError:
    return InvalidInputError(
        next(iter(errors.values())), status=status, fields=errors, code="invalid"
    )


def _report_document() -> Mapping[str, object]:
    if request.mimetype == "multipart/form-data":
        data = json_text_part(request.form.get("report"))
    elif request.mimetype in JSON_TYPES:
        data = json_object()
    else:
        raise UserFacingError(
            lazy_gettext("Send JSON, or multipart/form-data with a 'report' part."),
            status=415,
            code="unsupported_media_type",
        )
    if data is None:
        raise _invalid({"report": lazy_gettext("The report must be a JSON object.")}, 400)
    return data


def _files_json(files: list[service.StoredFile]) -> list[dict[str, Any]]:
    return [{"filename": f.filename, "cleaning": [str(line) for line in f.cleaning]} for f in files]


@bp.post("/reports")
@accepts_json(REPORT_FIELDS, REPORT_JSON_LIMIT)
@public
@accepts_uploads
@limiter.limit(SUBMIT_LIMITS)
@requires_case_readers
def submit_report() -> ResponseReturnValue:
    """File a report (JSON, or multipart with files) → 201 with the case code and key."""
    try:
        valid = validate_report(_report_document(), active_agency_codes(db_session()))
    except ReportValidationError as error:
        raise _invalid(error.errors) from None
    accepted, refused = sort_uploads() if request.mimetype == "multipart/form-data" else ([], [])
    if refused:
        raise FilesRefusedError(refused)
    db = db_session()
    try:
        with admit():
            result = service.submit_report(
                db, valid.report, valid.identity, accepted, current_settings()
            )
    except ServiceNotReadyError:  # the last supervisor left while the report was sent
        raise ReportsNotAcceptedError() from None
    return jsonify(
        {
            "case_code": result.created.case.code,
            "case_key": result.created.case_key,
            "attachments": _files_json(result.files),
        }
    ), 201


def _unauthorized(
    message: Any, status: int = 401, headers: Mapping[str, str] | None = None
) -> UserFacingError:
    return UserFacingError(
        message,
        status=status,
        headers={"WWW-Authenticate": 'CaseKey realm="sipadu"', **(headers or {})},
    )


def _open_case() -> OpenedCase:
    """The case named by ``Authorization: CaseKey …``, or a ``UserFacingError``."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "casekey" or not value.strip():
        raise _unauthorized(
            lazy_gettext("Send the case key as 'Authorization: CaseKey <case key>'.")
        )
    settings = current_settings()
    assert settings.keyring is not None  # noqa: S101
    db = db_session()
    try:
        with case_key_check():
            return open_case_with_key(
                db,
                value.strip(),
                params=settings.argon2,
                audit_key=settings.keyring.audit_hmac_key,
                client=client_identifier(),
                escrow_public=settings.keyring.escrow_public,
            )
    except CaseKeyThrottledError as error:
        seconds = max(1, int(error.retry_after.total_seconds()))
        raise _unauthorized(
            lazy_gettext("Too many wrong keys were tried for this case. Try again later."),
            429,
            {"Retry-After": str(seconds)},
        ) from None
    except CaseKeyError:
        commit_now(db)  # keep the counted failure although the request fails
        raise _unauthorized(lazy_gettext("This case key was not recognised.")) from None


def _case_json(opened: OpenedCase) -> dict[str, Any]:
    view = service.case_overview(db_session(), opened.case, opened.dek)
    return {
        "case_code": view.code,
        "status": view.status,
        "status_label": str(view.status_text.reporter_label),
        "status_explanation": status_explanation(view),
        "may_object": view.may_object,
        "timeline": [
            {
                "kind": t.kind,
                "status": t.status,
                "text": t.text,
                "verified": t.verified,
                "date": t.created_on.isoformat(),
            }
            for t in view.timeline
        ],
        # A message that does not verify is attributed to nobody and has no body.
        "messages": [
            {
                "from": ("reporter" if m.from_reporter else "inspektorat") if m.verified else None,
                "body": m.body if m.verified else None,
                "sent_on": m.sent_on.isoformat() if m.verified else None,
                "verified": m.verified,
            }
            for m in view.messages
        ],
        "attachments": [_attachment_json(a) for a in view.attachments],
    }


def _attachment_json(a: AttachmentView) -> dict[str, Any]:
    if not a.verified:
        return {
            "id": a.id,
            "filename": None,
            "content_type": None,
            "size": None,
            "from": None,
            "verified": False,
        }
    return {
        "id": a.id,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "from": "reporter" if a.uploaded_by == AuthorKind.REPORTER else "inspektorat",
        "verified": True,
    }


@bp.get("/case")
@public
@limiter.limit(CASE_KEY_LIMITS, deduct_when=counts_against_client)
def get_case() -> ResponseReturnValue:
    """The case: code, status, timeline, messages and files."""
    opened = _open_case()
    return jsonify(_case_json(opened))


@bp.post("/case/messages")
@accepts_json({"body": None}, MESSAGE_JSON_LIMIT)
@public
@limiter.limit(CASE_KEY_LIMITS, deduct_when=counts_against_client)
def post_message() -> ResponseReturnValue:
    """Send a message to the Inspektorat."""
    data = json_object()  # before the case key check: a bad body costs no Argon2
    opened = _open_case()
    try:
        body = validate_text(
            data.get("body"), MAX_MESSAGE_CHARS, "body", lazy_gettext("Write your message.")
        )
    except ReportValidationError as error:
        raise _invalid(error.errors) from None
    settings = current_settings()
    assert settings.keyring is not None  # noqa: S101
    db = db_session()
    try:
        service.send_reply(db, opened.case, opened.dek, body, settings.keyring.audit_hmac_key)
    except service.CaseArchivedError:
        raise CaseArchivedRefusalError() from None
    return jsonify({"status": opened.case.status}), 201


def _body_file() -> tuple[list[EncryptedUpload], list[RefusedFile]]:
    """The body as one file; the name is checked before a byte of it is read."""
    try:
        filename = body_filename()
    except MissingFilenameError:
        raise _invalid(
            {
                "filename": lazy_gettext(
                    "Name the file: 'Content-Disposition: attachment; filename=\"…\"'."
                )
            }
        ) from None
    return receive_body_file(filename)


@bp.post("/case/attachments")
@public
@accepts_uploads
@limiter.limit(SUBMIT_LIMITS)
def post_attachments() -> ResponseReturnValue:
    """Add files (multipart parts named ``attachments``), or one file as the whole body
    (``application/octet-stream``, named in ``Content-Disposition``); if one is refused none
    is kept."""
    opened = _open_case()
    try:
        service.refuse_if_archived(opened.case)  # before reading the files: none is kept
    except service.CaseArchivedError:
        raise CaseArchivedRefusalError() from None
    accepted, refused = _body_file() if request.mimetype == BODY_FILE_TYPE else sort_uploads()
    if refused:
        raise FilesRefusedError(refused)
    if not accepted:
        raise _invalid({"attachments": lazy_gettext("Send at least one file.")})
    settings = current_settings()
    assert settings.keyring is not None  # noqa: S101
    db = db_session()
    files = service.add_evidence(
        db, opened.case, opened.dek, accepted, settings.keyring.audit_hmac_key
    )
    return jsonify({"attachments": _files_json(files)}), 201
