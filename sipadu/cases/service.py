"""Creating cases, opening them with a case key or a grant, and granting access.

Every piece of content is sealed under the case DEK with the case code as context, so a
ciphertext copied to another case fails to open (docs/crypto.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount, case_reader_clause
from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.cases.identity import drop_reader_identity_grants, seal_custodial_identity
from sipadu.cases.kinds import GrantReason, TimelineKind
from sipadu.cases.models import Case, CaseConflict, CaseGrant, TimelineEntry
from sipadu.crypto import envelope, grants
from sipadu.crypto.casekey import CaseKey, enroll_case_key, format_case_key, generate_case_key
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.params import Argon2Params
from sipadu.days import utc_now, wib_day, wib_midnight, wib_today
from sipadu.units.models import Unit
from sipadu.units.service import unit_reader_clause

INITIAL_STATUS = "diterima"
# The binding of the report and identity (the case row, the reporter); ``cases.sealing``
# builds the same one, without importing this module's callers.
CASE_BINDING = envelope.Binding(b"", Actor.REPORTER)


class CaseServiceError(Exception):
    """Base class for case errors that views turn into clear messages."""


class CaseCodeTakenError(CaseServiceError):
    """The code of the prepared case key is in use: prepare another, outside the transaction."""


class ServiceNotReadyError(CaseServiceError):
    """No approved supervisor exists: nobody at the Inspektorat could read a new report.

    The escrow key alone does not count: its holder is offline, so a report wrapped only for
    it would sit unread while the reporter believes it was received."""


class CaseAccessError(CaseServiceError):
    """The staff member holds no grant that opens this case (or is conflicted)."""


@dataclass(frozen=True)
class Recipient:
    """Someone a new case's DEK is wrapped for."""

    staff_id: int
    public_key: bytes


@dataclass(frozen=True)
class CaseRouting:
    """Where a new case went and came from: its unit's code, the incident's kota and, for a
    report an intake officer filed, the channel (metadata)."""

    unit: str | None
    area_kota: str | None = None
    intake_channel: str | None = None  # set when an intake officer filed it


@dataclass(frozen=True)
class CreatedCase:
    """The new case and the key shown to the reporter exactly once."""

    case: Case
    case_key: str = field(repr=False)
    dek: bytes = field(repr=False)


@dataclass(frozen=True)
class PreparedCaseKey:
    """A new case's key, DEK and stored key record, derived before any database work.

    The Argon2id derivation takes a quarter of a second or more; done inside the transaction
    it would hold SQLite's write lock (taken at BEGIN) the whole time and serialise every
    submission on the instance.
    """

    key: CaseKey = field(repr=False)
    dek: bytes = field(repr=False)
    key_record: bytes = field(repr=False)


def prepare_case_key(params: Argon2Params) -> PreparedCaseKey:
    """Draw a case code, key and DEK and enrol the key (one Argon2id derivation)."""
    key = generate_case_key()
    dek = envelope.new_data_key()
    return PreparedCaseKey(key, dek, enroll_case_key(key, dek, params, case_id=key.code))


def _now(now: datetime | None) -> datetime:
    return now or utc_now()


def submission_recipients(db: Session, unit: Unit | None = None) -> list[Recipient]:
    """The approved supervisors of ``unit`` and of the head unit: each gets the new case's DEK.

    When neither has one (every supervisor sits in other units), every approved supervisor
    gets it: a report nobody at the Inspektorat can read would be lost."""
    columns = select(StaffAccount.id, StaffAccount.public_key)
    rows = db.execute(columns.where(unit_reader_clause(unit))).all()
    if not rows:
        rows = db.execute(columns.where(case_reader_clause())).all()
    return [Recipient(staff_id, public_key) for staff_id, public_key in rows]


def _code_in_use(db: Session, code: str) -> bool:
    return db.scalar(select(Case.id).where(Case.code == code)) is not None


def _unused_prepared_key(
    db: Session, prepared: PreparedCaseKey | None, params: Argon2Params
) -> PreparedCaseKey:
    # The key record is bound to its code, so a taken code costs a new derivation; with 32^6
    # codes that practically never happens. A key prepared before the transaction is not
    # replaced here: that derivation would hold the transaction open (CaseCodeTakenError).
    if prepared is not None:
        if _code_in_use(db, prepared.key.code):
            raise CaseCodeTakenError(prepared.key.code)
        return prepared
    for _ in range(20):
        fresh = prepare_case_key(params)
        if not _code_in_use(db, fresh.key.code):
            return fresh
    raise CaseServiceError("could not find a free case code")


def json_bytes(document: Mapping[str, object]) -> bytes:
    """A document's canonical JSON bytes, as sealed."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_document(plain: bytes) -> dict[str, object]:
    """An opened JSON document; anything but an object counts as a failed opening."""
    try:
        document = json.loads(plain)
    except ValueError:
        raise DecryptionError("sealed document is not JSON") from None
    if not isinstance(document, dict):
        raise DecryptionError("sealed document is not an object")
    return document


def seal_json(
    dek: bytes,
    code: str,
    kind: bytes,
    document: Mapping[str, object],
    binding: envelope.Binding | None = None,
) -> bytes:
    """Seal a JSON document under the case DEK (version 2 when a binding is given)."""
    return envelope.seal(dek, json_bytes(document), case_id=code, kind=kind, binding=binding)


def open_json(dek: bytes, code: str, kind: bytes, sealed: bytes) -> dict[str, object]:
    """Open a version 1 JSON document sealed by :func:`seal_json`."""
    return json_document(envelope.open_sealed(dek, sealed, case_id=code, kind=kind))


def create_case(
    db: Session,
    report: Mapping[str, object],
    *,
    identity: Mapping[str, str] | None,
    recipients: Sequence[Recipient],
    escrow_public: bytes | None,
    params: Argon2Params,
    audit_key: bytes,
    now: datetime | None = None,
    prepared: PreparedCaseKey | None = None,
    routing: CaseRouting | None = None,
) -> CreatedCase:
    """Store a new case: report sealed, the DEK wrapped for the reporter, the supervisors and
    the escrow key; an identity sealed for the custodians and the escrow key only. Refuses
    when no supervisor could read it.

    Pass ``prepared`` (from ``prepare_case_key``, called before the transaction) to keep the
    Argon2id derivation out of it; without it the key is derived here. ``routing`` is the
    metadata of where the case went (``recipients`` must be that unit's readers)."""
    if not recipients:
        raise ServiceNotReadyError("no approved supervisor could read the report")
    moment = _now(now)
    prepared = _unused_prepared_key(db, prepared, params)
    key, dek, code = prepared.key, prepared.dek, prepared.key.code
    # The day only, even sealed and hidden from staff pages: the report must not date itself.
    document = {**report, "submitted_at": day_start(moment).isoformat()}
    case = Case(
        code=code,
        category=str(report["category"]),
        status=INITIAL_STATUS,
        unit=routing.unit if routing else None,
        area_kota=routing.area_kota if routing else None,
        intake_channel=routing.intake_channel if routing else None,
        received_on=wib_day(moment),
        objection_used=False,
        updated_at=day_start(moment),
        # Version 2 from the start: the case is bound (``cases.sealing``).
        report_sealed=seal_json(dek, code, envelope.KIND_REPORT, document, CASE_BINDING),
        identity_sealed=None,
        reporter_key_record=prepared.key_record,
        escrow_grant=(
            grants.wrap_for_recipient(dek, escrow_public, case_id=code) if escrow_public else None
        ),
    )
    db.add(case)
    db.flush()
    if identity:
        # Under its own key for the custodians, never the DEK (``cases/identity.py``).
        seal_custodial_identity(db, case, identity, escrow_public=escrow_public, now=moment)
    for recipient in recipients:
        db.add(
            CaseGrant(
                case_id=case.id,
                staff_id=recipient.staff_id,
                reason=GrantReason.SUPERVISOR,
                wrapped_dek=grants.wrap_for_recipient(dek, recipient.public_key, case_id=code),
                granted_by=None,
                created_at=day_start(moment),
            )
        )
    db.add(
        TimelineEntry(
            case_id=case.id,
            kind=TimelineKind.STATUS,
            status=INITIAL_STATUS,
            text_sealed=None,
            record_id=envelope.new_record_id(),
            created_on=wib_day(moment),
        )
    )
    record_event(
        db,
        audit_key,
        "case:submitted",
        actor=Actor.REPORTER,
        case_code=code,
        detail={"category": case.category, "unit": case.unit},
        now=moment,
    )
    db.flush()
    return CreatedCase(case=case, case_key=format_case_key(key), dek=dek)


def is_conflicted(db: Session, case: Case, staff_id: int) -> bool:
    """True when a conflict of interest excludes this staff member from the case."""
    return (
        db.scalar(
            select(CaseConflict.id).where(
                CaseConflict.case_id == case.id, CaseConflict.staff_id == staff_id
            )
        )
        is not None
    )


def grant_for(db: Session, case: Case, staff_id: int) -> CaseGrant | None:
    """The staff member's grant on a case, if any."""
    return db.scalar(
        select(CaseGrant).where(CaseGrant.case_id == case.id, CaseGrant.staff_id == staff_id)
    )


def unlock_case_for_staff(db: Session, case: Case, staff_id: int, private_key: bytes) -> bytes:
    """The case DEK through the staff member's own grant; conflicts always refuse."""
    grant = grant_for(db, case, staff_id)
    if grant is None or is_conflicted(db, case, staff_id):
        raise CaseAccessError("no usable grant for this case")
    try:
        return grants.unwrap_grant(grant.wrapped_dek, private_key, case_id=case.code)
    except DecryptionError:
        # A grant made for a key pair that an admin reset has replaced.
        raise CaseAccessError("the grant was made for an older key pair") from None


def grant_case(
    db: Session,
    case: Case,
    dek: bytes,
    recipient: StaffAccount,
    *,
    reason: GrantReason,
    granted_by: int | None,
    now: datetime | None = None,
) -> CaseGrant:
    """Wrap the DEK for ``recipient`` (replacing an older grant of theirs)."""
    if is_conflicted(db, case, recipient.id):
        raise CaseAccessError("a conflicted staff member cannot be granted this case")
    wrapped = grants.wrap_for_recipient(dek, recipient.public_key, case_id=case.code)
    grant = grant_for(db, case, recipient.id)
    if grant is None:
        grant = CaseGrant(
            case_id=case.id,
            staff_id=recipient.id,
            reason=reason,
            wrapped_dek=wrapped,
            granted_by=granted_by,
            created_at=_now(now),
        )
        db.add(grant)
    else:
        grant.wrapped_dek, grant.reason, grant.granted_by = wrapped, reason, granted_by
    db.flush()
    return grant


def revoke_grant(db: Session, case: Case, staff_id: int) -> bool:
    """Delete a staff member's grant: they can no longer decrypt the case at all, and any
    permission to read its sealed identity ends with it (unassignment, conflict, unit
    move)."""
    grant = grant_for(db, case, staff_id)
    if grant is None:
        return False
    drop_reader_identity_grants(db, case, staff_id)
    db.delete(grant)
    db.flush()
    return True


def case_by_code(db: Session, code: str) -> Case | None:
    """Look a case up by its public code."""
    return db.scalar(select(Case).where(Case.code == code))


def day_start(moment: datetime) -> datetime:
    """Midnight WIB of ``moment``'s Jakarta day (as UTC): how reporter-driven times are kept."""
    return wib_midnight(moment)


def today(now: datetime | None = None) -> date:
    """The current day in Jakarta (``sipadu.days``): what stored days are made of."""
    return wib_today(now)
