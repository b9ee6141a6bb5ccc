"""What a reporter does, as services: file a report, and follow the case with the case key.

Each function takes the request's DB session explicitly, changes nothing it was not asked to,
and records its audit event in the same transaction. The audit actor is always "reporter"
and the detail never more than the case code and short identifiers (docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sipadu.audit.actors import Actor, staff_actor
from sipadu.audit.service import record_event
from sipadu.cases.attachments import (
    AttachmentView,
    list_attachments,
    safe_filename,
    store_attachment,
)
from sipadu.cases.content import (
    add_message,
    add_timeline_entry,
    list_messages,
    list_timeline,
)
from sipadu.cases.kinds import AuthorKind, TimelineKind
from sipadu.cases.models import Case
from sipadu.cases.rating import RatingView, may_rate, rate_case, read_rating
from sipadu.cases.read_markers import reporter_made_entry
from sipadu.cases.service import (
    CaseCodeTakenError,
    CaseRouting,
    CaseServiceError,
    CreatedCase,
    create_case,
    day_start,
    prepare_case_key,
    submission_recipients,
)
from sipadu.cases.statuses import Role, Status, StatusText, reporter_status_text
from sipadu.cases.workflow import can_object, check_objection, check_transition
from sipadu.channels.intake import note_status_change
from sipadu.confidential import identity as confidential
from sipadu.confidential.identity_versions import earlier_version_opened, seal_new_version
from sipadu.days import utc_now, wib_day
from sipadu.notify.service import notify_new_case, notify_reporter_reply
from sipadu.settings import Settings
from sipadu.unit_of_work import end_transaction
from sipadu.units.areas import jakarta_areas
from sipadu.units.service import route_for
from sipadu.uploads.multipart import EncryptedUpload

CODE_ATTEMPTS = 20  # drawn codes already in use before giving up (practically never one)


# Western Indonesian Time, the reporters' clock (UTC+7 all year, no daylight saving; a fixed
# offset needs no time zone database on the server).
class CaseArchivedError(Exception):
    """The case is archived: the reporter may read it but no longer add to it."""


def refuse_if_archived(case: Case) -> None:
    """Raise CaseArchivedError for an archived case (every reporter write checks it, so no
    door of the page or the API can add to a case being kept only until its purge)."""
    if case.status == Status.DIARSIPKAN:
        raise CaseArchivedError(case.code)


class ReporterCaseGoneError(LookupError):
    """The case of a reporter session no longer exists (purged after retention)."""


@dataclass(frozen=True)
class StoredFile:
    """A file the reporter sent, with what was cleaned from it (translatable lines)."""

    filename: str
    cleaning: list[Any]


@dataclass(frozen=True)
class Submission:
    """A filed report: the case, its key (shown once) and what happened to each file."""

    created: CreatedCase = field(repr=False)
    files: list[StoredFile]


@dataclass(frozen=True)
class ReporterMessage:
    """A message as the reporter sees it: from "you" or from "Inspektorat", never a name."""

    from_reporter: bool
    body: str
    sent_on: date  # the day in WIB: a reporter's pages show no time of day
    seq: int  # the message's order in the case (read markers); never shown
    # False: the sealed body did not verify; shown as such, attributed to nobody.
    verified: bool = True


@dataclass(frozen=True)
class ReporterCaseView:
    """Everything the reporter's case page and ``GET /api/v1/case`` show."""

    code: str
    status: str
    status_text: StatusText
    timeline: list[Any]
    messages: list[ReporterMessage]
    attachments: list[AttachmentView]
    may_object: bool
    rating: RatingView | None = None
    may_rate: bool = False
    # A sealed identity is in the case; opened: a staff member approved by a custodian
    # has read it (the reporter may withdraw it only before that).
    identity_sealed: bool = False
    identity_opened: bool = False
    # Archived: the reporter reads the case but can no longer add to it.
    archived: bool = False
    # An identity the reporter has since replaced or withdrawn was opened.
    earlier_identity_opened: bool = False


def _keys(settings: Settings) -> tuple[bytes, bytes | None]:
    assert settings.keyring is not None  # noqa: S101  (create_app guarantees a keyring)
    return settings.keyring.audit_hmac_key, settings.keyring.escrow_public


def _store_files(
    db: Session, case: Case, dek: bytes, uploads: Sequence[EncryptedUpload]
) -> list[StoredFile]:
    files = []
    for upload in uploads:
        store_attachment(
            db, case, dek, upload, uploaded_by=AuthorKind.REPORTER, cleaning=upload.cleaning_report
        )
        files.append(StoredFile(safe_filename(upload.filename), upload.describe_cleaning()))
    return files


def _create_with_prepared_key(
    db: Session,
    report: dict[str, object],
    identity: dict[str, str] | None,
    settings: Settings,
    audit_key: bytes,
    escrow_public: bytes | None,
    intake_channel: str | None = None,
) -> CreatedCase:
    kota = jakarta_areas().kota_of(str(report.get("location") or ""))
    # Validation may have read the database (the agency list): end that transaction, so the
    # first derivation holds nothing (on SQLite, the write lock) either.
    end_transaction(db)
    for _ in range(CODE_ATTEMPTS):
        prepared = prepare_case_key(settings.argon2)
        unit = route_for(db, kota, str(report.get("agency") or "") or None)
        try:
            return create_case(
                db,
                report,
                identity=identity,
                recipients=submission_recipients(db, unit),
                escrow_public=escrow_public,
                params=settings.argon2,
                audit_key=audit_key,
                prepared=prepared,
                routing=CaseRouting(unit.code if unit else None, kota, intake_channel),
            )
        except CaseCodeTakenError:
            end_transaction(db)  # only reads so far: end them before the next derivation
    raise CaseServiceError("could not find a free case code")


def submit_report(
    db: Session,
    report: dict[str, object],
    identity: dict[str, str] | None,
    uploads: Sequence[EncryptedUpload],
    settings: Settings,
) -> Submission:
    """File a new case with its (already accepted) uploads; raises ServiceNotReadyError.

    Run inside the Argon2 gate: enrolling the case key costs one Argon2id derivation, done
    before the first query so no transaction (on SQLite: the write lock) is held during it.
    """
    audit_key, escrow_public = _keys(settings)
    created = _create_with_prepared_key(db, report, identity, settings, audit_key, escrow_public)
    files = _store_files(db, created.case, created.dek, uploads)
    for _ in files:
        record_event(
            db, audit_key, "attachment:added", actor=Actor.REPORTER, case_code=created.case.code
        )
    notify_new_case(db, created.case)
    return Submission(created, files)


def file_on_behalf(
    db: Session,
    report: dict[str, object],
    identity: dict[str, str] | None,
    *,
    channel: str,
    officer_id: int,
    settings: Settings,
) -> CreatedCase:
    """File a report an intake officer took down for someone (counter, letter, call...).

    The case is the reporter's like any other: the key goes to the person on the slip and
    is kept nowhere, and the officer gets no grant. Audited as filed by that officer, with
    the channel and the day only (the person's visit is not dated more finely)."""
    audit_key, escrow_public = _keys(settings)
    created = _create_with_prepared_key(
        db, report, identity, settings, audit_key, escrow_public, intake_channel=channel
    )
    record_event(
        db,
        audit_key,
        "case:filed_by_operator",
        actor=staff_actor(officer_id),
        case_code=created.case.code,
        detail={"channel": channel},
    )
    notify_new_case(db, created.case)
    return created


def reporter_case(db: Session, case_id: int) -> Case:
    """The case a reporter session names."""
    case = db.get(Case, case_id)
    if case is None:
        raise ReporterCaseGoneError(case_id)
    return case


def day_in_wib(moment: str) -> date:
    """The WIB day of an ISO time as sealed with a message (a naive one is taken as UTC)."""
    return wib_day(datetime.fromisoformat(moment))


def case_overview(db: Session, case: Case, dek: bytes) -> ReporterCaseView:
    """The reporter's view of the case: no internal notes, no staff ids or names."""
    messages = [
        ReporterMessage(
            m.verified and m.author_kind == AuthorKind.REPORTER,
            m.body,
            day_in_wib(m.sent_at) if m.verified else m.created_on,
            m.seq,
            m.verified,
        )
        for m in list_messages(db, case, dek, include_internal=False)
    ]
    return ReporterCaseView(
        code=case.code,
        status=case.status,
        status_text=reporter_status_text(case.status, case.forwarded_to, case.forward_result),
        timeline=list_timeline(db, case, dek),
        messages=messages,
        attachments=list_attachments(db, case, dek),
        may_object=can_object(case.status, case.objection_used),
        rating=read_rating(db, case, dek),
        may_rate=may_rate(db, case),
        identity_sealed=case.identity_sealed is not None,
        identity_opened=confidential.identity_opened(db, case),
        earlier_identity_opened=earlier_version_opened(db, case),
        archived=case.status == Status.DIARSIPKAN,
    )


def _touch(case: Case, moment: datetime) -> None:
    # The day only: the operator must not learn when a reporter acted (docs/reporting.md).
    case.updated_at = day_start(moment)


def send_reply(db: Session, case: Case, dek: bytes, body: str, audit_key: bytes) -> bool:
    """Store the reporter's message; a reply to "more information needed" resumes the
    assessment (perlu_dilengkapi → verifikasi). Returns True when the status changed."""
    refuse_if_archived(case)
    moment = utc_now()
    add_message(db, case, dek, body, author_kind=AuthorKind.REPORTER, now=moment)
    record_event(db, audit_key, "message:sent", actor=Actor.REPORTER, case_code=case.code)
    notify_reporter_reply(db, case)
    _touch(case, moment)
    if case.status != Status.PERLU_DILENGKAPI:
        return False
    change = check_transition(case.status, Status.VERIFIKASI, Role.REPORTER)
    case.status = change.target
    entry = add_timeline_entry(
        db, case, dek, kind=TimelineKind.STATUS, status=change.target.value, now=moment
    )
    reporter_made_entry(db, case, entry.id)
    record_event(
        db,
        audit_key,
        "case:status_changed",
        actor=Actor.REPORTER,
        case_code=case.code,
        detail={"from": change.source.value, "to": change.target.value},
    )
    note_status_change(db, case, moment, by_reporter=True)
    return True


def add_evidence(
    db: Session, case: Case, dek: bytes, uploads: Sequence[EncryptedUpload], audit_key: bytes
) -> list[StoredFile]:
    """Attach more files (already accepted) to the case."""
    refuse_if_archived(case)
    files = _store_files(db, case, dek, uploads)
    for _ in files:
        record_event(db, audit_key, "attachment:added", actor=Actor.REPORTER, case_code=case.code)
    if files:
        moment = utc_now()
        add_timeline_entry(db, case, dek, kind=TimelineKind.EVIDENCE_ADDED, now=moment)
        _touch(case, moment)
    return files


def disclose_identity(
    db: Session,
    case: Case,
    identity: dict[str, str],
    audit_key: bytes,
    escrow_public: bytes | None,
) -> None:
    """Seal the reporter's identity for the custodians as a new version (an earlier one
    someone opened stays with its approved reader until their permission ends); the
    supervisors and investigators who hold the case cannot open it."""
    refuse_if_archived(case)
    seal_new_version(db, case, identity, escrow_public=escrow_public)
    record_event(db, audit_key, "identity:disclosed", actor=Actor.REPORTER, case_code=case.code)
    _touch(case, utc_now())


def rate_handling(
    db: Session, case: Case, dek: bytes, score: int, comment: str, audit_key: bytes
) -> None:
    """Store the reporter's one rating of a closed case; raises RatingNotAllowedError. The
    audit event names the case only: neither the score nor the comment goes in the log."""
    moment = utc_now()
    rate_case(db, case, dek, score, comment)
    record_event(db, audit_key, "case:rated", actor=Actor.REPORTER, case_code=case.code)
    _touch(case, moment)


def withdraw_identity(db: Session, case: Case, audit_key: bytes) -> None:
    """Remove the sealed identity while nobody has opened it (IdentityRequestError else)."""
    refuse_if_archived(case)
    confidential.withdraw_identity(db, case, audit_key=audit_key)
    _touch(case, utc_now())


def object_to_closure(
    db: Session, case: Case, dek: bytes, text: str | None, audit_key: bytes
) -> None:
    """Record the reporter's one objection to a closure; raises ObjectionNotAllowedError."""
    checked = check_objection(case.status, case.objection_used, text)
    moment = utc_now()
    case.objection_used = True
    add_timeline_entry(db, case, dek, kind=TimelineKind.OBJECTION, text=checked, now=moment)
    record_event(db, audit_key, "case:objected", actor=Actor.REPORTER, case_code=case.code)
    _touch(case, moment)
