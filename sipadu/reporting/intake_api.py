"""The channel intake API: other systems file reports for their users and read a coarse status.

``Authorization: Bearer <service token>`` (``sipadu service-account create``) on every call;
each account has its own rate limit, counted per token. ``POST /intake/reports`` takes the
reporter API's report plus ``channel`` and ``external_ref`` and an ``Idempotency-Key`` header;
a retry with the same key gets the same case (and, for 24 hours, its key) back
(``sipadu/channels/intake.py``). ``GET /intake/reports/<external_ref>`` answers the coarse
status and its day, nothing of the content (docs/integration.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.api.json_body import REPORT_JSON_LIMIT, accepts_json, json_object
from sipadu.app_context import current_settings
from sipadu.audit.actors import service_actor
from sipadu.audit.service import record_event
from sipadu.cases.service import ServiceNotReadyError
from sipadu.channels.accounts import CallingAccount, ServiceTokenError, authenticate
from sipadu.channels.intake import (
    ExternalRefTakenError,
    IdempotencyConflictError,
    IntakeRequest,
    intake_status,
)
from sipadu.channels.models import Channel
from sipadu.db import db_session
from sipadu.reporting.api import REPORT_FIELDS
from sipadu.reporting.intake import earlier_filing, file_for_channel
from sipadu.reporting.intake_api_docs import register_intake_openapi
from sipadu.reporting.readiness import ReportsNotAcceptedError, service_accepts_reports
from sipadu.reporting.validation import ReportValidationError, ValidReport, validate_report
from sipadu.unit_of_work import commit_now, end_transaction
from sipadu.web.argon2_gate import admit
from sipadu.web.auth import public
from sipadu.web.ratelimit import client_identifier_for, limiter
from sipadu.web.user_errors import InvalidInputError, UserFacingError

bp = Blueprint("intake_api", __name__)
register_intake_openapi()

# Per service token: a channel files for many people from one address.
INTAKE_LIMITS = "120 per minute;3000 per hour"
INTAKE_STATUS_LIMITS = "600 per minute"
INTAKE_FIELDS = {**REPORT_FIELDS, "channel": None, "external_ref": None}
REF_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
IDEMPOTENCY_RE = re.compile(r"^[\x21-\x7e]{8,128}$")
_CENT = Decimal("0.01")
_TOO_LARGE = Decimal(10) ** 18


def service_token_key() -> str:
    """The rate-limit key of an intake call: its bearer token, hashed like an address."""
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101  (create_app guarantees a keyring)
    token = request.headers.get("Authorization", "")[:256]
    day = datetime.now(UTC).date().isoformat()
    return "sa-" + client_identifier_for(keyring.ratelimit_key, token, day)


def _calling_account() -> CallingAccount:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    headers = {"WWW-Authenticate": 'Bearer realm="sipadu-intake"'}
    if scheme.lower() != "bearer" or not value.strip():
        raise UserFacingError(
            lazy_gettext("Send the service token as 'Authorization: Bearer <token>'."),
            status=401,
            headers=headers,
        )
    db = db_session()
    try:
        return authenticate(db, value.strip())
    except ServiceTokenError as error:
        if error.account_id is not None:  # a known account: its owner should hear of it
            record_event(
                db,
                _audit_key(),
                "intake:refused",
                actor=service_actor(error.account_id),
                outcome="denied",
                detail={"reason": error.reason},
            )
            commit_now(db)  # kept although the request fails
        raise UserFacingError(
            lazy_gettext("This service token is not valid: it is unknown or was revoked."),
            status=401,
            headers=headers,
        ) from None


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_RE.match(key):
        raise InvalidInputError(
            lazy_gettext(
                "Send an Idempotency-Key header of 8 to 128 visible ASCII characters, "
                "the same on every retry of this report."
            ),
            status=400,
            field="Idempotency-Key",
            code="idempotency_key",
        )
    return key


def _amount_text(value: object) -> object:
    """``amount`` as the form's text: a JSON number becomes Rupiah digits (",dd" cents)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value  # text is checked by the report's validation; anything else refused there
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return value
    # The size first: quantizing a number beyond Decimal's precision raises.
    if not Decimal(0) <= amount < _TOO_LARGE or amount != amount.quantize(_CENT):
        return "-"  # not an amount the form accepts either
    whole, _, cents = f"{amount:.2f}".partition(".")
    return whole if cents == "00" else f"{whole},{cents}"


def _channel_fields(data: dict[str, Any], errors: dict[str, Any]) -> tuple[Channel, str]:
    channel = data.get("channel")
    known = {c.value for c in Channel}
    if not isinstance(channel, str) or channel not in known:
        errors["channel"] = lazy_gettext(
            "Choose the channel: %(channels)s.", channels=", ".join(sorted(known))
        )
        channel = Channel.OTHER
    ref = data.get("external_ref")
    if not isinstance(ref, str) or not REF_RE.match(ref):
        errors["external_ref"] = lazy_gettext(
            "The external_ref must be 1 to 128 letters, digits, '.', '_', ':' or '-'."
        )
    return Channel(channel), str(ref)


def _intake_request(account: CallingAccount, idem: str) -> tuple[IntakeRequest, ValidReport]:
    data = json_object()
    errors: dict[str, Any] = {}
    channel, ref = _channel_fields(data, errors)
    report = {k: v for k, v in data.items() if k not in ("channel", "external_ref")}
    if "amount" in report:
        report["amount"] = _amount_text(report["amount"])
    try:
        valid = validate_report(report)
    except ReportValidationError as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInputError(
            next(iter(errors.values())), fields=errors, code="invalid"
        ) from None
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return IntakeRequest(account, channel, ref, idem, canonical), valid


@contextmanager
def _refused_repeats() -> Iterator[None]:
    """A reused Idempotency-Key or external_ref, as the API's errors."""
    try:
        yield
    except IdempotencyConflictError:
        raise UserFacingError(
            lazy_gettext(
                "This Idempotency-Key was already used for a different report. "
                "Use a new key for a new report."
            ),
            status=422,
            code="idempotency_key_reused",
        ) from None
    except ExternalRefTakenError:
        raise UserFacingError(
            lazy_gettext("A report with this external_ref was already filed."),
            status=409,
            field="external_ref",
            code="external_ref_taken",
        ) from None


def _audit_key() -> bytes:
    keyring = current_settings().keyring
    assert keyring is not None  # noqa: S101
    return keyring.audit_hmac_key


@bp.post("/intake/reports")
@accepts_json(INTAKE_FIELDS, REPORT_JSON_LIMIT)
@public
@limiter.limit(INTAKE_LIMITS, key_func=service_token_key)
def intake_report() -> ResponseReturnValue:
    """File a report for a channel's user → 201 with the case code and key (again on a retry
    with the same Idempotency-Key, the key for 24 hours)."""
    intake, valid = _intake_request(_calling_account(), _idempotency_key())
    db = db_session()
    with _refused_repeats():
        filing = earlier_filing(db, intake, _audit_key())
        if filing is None:
            end_transaction(db)  # Argon2 follows (the case key)
            if not service_accepts_reports():
                raise ReportsNotAcceptedError()
            try:
                with admit():
                    filing = file_for_channel(db, intake, valid, current_settings())
            except ServiceNotReadyError:  # the last supervisor left meanwhile
                raise ReportsNotAcceptedError() from None
    headers = {"Idempotent-Replayed": "true"} if filing.replayed else {}
    return jsonify({"case_code": filing.case_code, "case_key": filing.case_key}), 201, headers


@bp.get("/intake/reports/<external_ref>")
@public
@limiter.limit(INTAKE_STATUS_LIMITS, key_func=service_token_key)
def intake_report_status(external_ref: str) -> ResponseReturnValue:
    """The coarse status (received, in_progress, forwarded, closed) of one of the calling
    account's own reports, with the day it took it; nothing of the content."""
    account = _calling_account()
    db = db_session()
    found = intake_status(db, account, external_ref) if REF_RE.match(external_ref) else None
    if found is None:
        raise UserFacingError(
            lazy_gettext("No report of this service account has this external_ref."),
            status=404,
        )
    record_event(
        db,
        _audit_key(),
        "intake:status_read",
        actor=service_actor(account.id),
        case_code=found.case_code,
    )
    return jsonify(
        {
            "case_code": found.case_code,
            "external_ref": external_ref,
            "status": found.status.value,
            "day": found.since.isoformat(),
        }
    )
