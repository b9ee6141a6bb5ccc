"""What staff do to a case: messages and notes, status changes, objections (assignment and
conflicts of interest are in ``casework/assignment.py``). Each function takes the DB session
and an opened case, records its audit event in the same transaction and raises a named error
the views turn into a message.

Objections: the reporter's objection to a closure is a timeline entry of kind "objection"
(its text sealed under the DEK); a supervisor's answer is an entry of kind "objection_answer".
An objection is pending while no answer follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict, Unpack

from flask_babel import lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sipadu.audit.service import DetailValue, record_event
from sipadu.cases.attachments import store_attachment
from sipadu.cases.content import MessageError, add_message, add_timeline_entry
from sipadu.cases.kinds import AuthorKind, TimelineKind
from sipadu.cases.models import CaseMessage, TimelineEntry
from sipadu.cases.record_ids import public_record_id
from sipadu.cases.statuses import CLOSURES, Status
from sipadu.cases.workflow import (
    ObjectionNotAllowedError,
    Transition,
    check_objection_answer,
    check_transition,
)
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.forwarding import record_forwarding, timeline_text
from sipadu.channels.intake import note_status_change
from sipadu.days import utc_now, wib_day, wib_today
from sipadu.effective_settings import effective_settings
from sipadu.ops.retention import retention_end
from sipadu.uploads.multipart import EncryptedUpload

DECISIONS = frozenset({Status.TIDAK_DAPAT_DITINDAKLANJUTI, Status.DITERUSKAN, Status.INVESTIGASI})


class CaseworkError(Exception):
    """A request about a case was refused; ``message`` is translatable."""

    http_status = 422

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class MessageKindError(CaseworkError):
    """A message that does not say whether it goes to the reporter or is an internal note."""

    http_status = 400


class AssignmentError(CaseworkError):
    """The person cannot be assigned, unassigned or marked (unknown, conflicted, ...)."""


class CaseArchivedChangeError(CaseworkError):
    """Staff tried to change an archived case (it is kept only to be read and exported)."""

    http_status = 409


ARCHIVED_TEXT = lazy_gettext(
    "This case is archived: it can still be read and exported, but no longer changed."
)


def refuse_if_archived(opened: OpenCase) -> None:
    """Refuse a staff change to an archived case: messages, files, notes, assignment and
    unit moves all stop at the archive (docs/casework.md, "Archived cases")."""
    if opened.case.status == Status.DIARSIPKAN:
        raise CaseArchivedChangeError(ARCHIVED_TEXT)


class NotSupervisorError(CaseworkError):
    """Only a supervisor may do this."""

    http_status = 403


def retention_days(db: Session) -> int:
    """Days an archived case is kept: the admin setting once saved, else the environment's
    SIPADU_RETENTION_DAYS (default 365)."""
    return effective_settings(db).retention_days


def now_or(now: datetime | None) -> datetime:
    """``now``, or the current UTC time when the caller gave none."""
    return now or utc_now()


def audit_case_event(
    db: Session,
    key: bytes,
    tag: str,
    actor: Actor,
    opened: OpenCase,
    detail: dict[str, DetailValue] | None = None,
) -> None:
    """Record ``tag`` about the opened case, by the actor, in the caller's transaction."""
    record_event(db, key, tag, actor=actor.audit_actor, case_code=opened.case.code, detail=detail)


def post_message(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    body: str,
    *,
    internal: bool,
    audit_key: bytes,
    now: datetime | None = None,
) -> CaseMessage:
    """A message to the reporter (shown as from "Inspektorat") or an internal note."""
    refuse_if_archived(opened)
    moment = now_or(now)
    if not body.strip():
        raise CaseworkError(lazy_gettext("Write a message."))
    try:
        message = add_message(
            db,
            opened.case,
            opened.dek,
            body,
            author_kind=AuthorKind.STAFF,
            staff_id=actor.staff_id,
            internal=internal,
            now=moment,
        )
    except MessageError as error:
        raise CaseworkError(lazy_gettext("Write a message of at most 20000 characters.")) from error
    if not internal:
        opened.case.last_feedback_on = wib_day(moment)
    opened.case.updated_at = moment
    # The random record id, never the row id: that counts across all cases (docs/audit.md).
    public_id = public_record_id(message.record_id)
    audit_case_event(
        db,
        audit_key,
        "note:added" if internal else "message:sent",
        actor,
        opened,
        {"message": public_id} if public_id is not None else None,
    )
    return message


def send_files_to_reporter(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    uploads: Sequence[EncryptedUpload],
    audit_key: bytes,
) -> None:
    """Store cleaned, encrypted files from the Inspektorat for the reporter to download.

    Sealed like every attachment (file key and metadata under the DEK, bound to the row and
    to the staff as author); audited per file, by its public id, never its name."""
    refuse_if_archived(opened)
    for upload in uploads:
        row = store_attachment(
            db,
            opened.case,
            opened.dek,
            upload,
            uploaded_by=AuthorKind.STAFF,
            cleaning=upload.cleaning_report,
        )
        detail: dict[str, DetailValue] = {"attachment": public_record_id(row.record_id)}
        audit_case_event(db, audit_key, "attachment:sent_to_reporter", actor, opened, detail)


def objection_pending(db: Session, opened: OpenCase) -> bool:
    """True when the reporter's latest objection has not been answered yet."""

    def last(kind: str) -> int:
        return int(
            db.scalar(
                select(func.max(TimelineEntry.id)).where(
                    TimelineEntry.case_id == opened.case.id, TimelineEntry.kind == kind
                )
            )
            or 0
        )

    objection = last(TimelineKind.OBJECTION)
    return objection > 0 and objection > last(TimelineKind.OBJECTION_ANSWER)


def _apply(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    transition: Transition,
    *,
    audit_key: bytes,
    moment: datetime,
    timeline_text: str | None,
) -> None:
    case, day = opened.case, wib_day(moment)
    if transition.source is Status.DITERIMA and case.acknowledged_on is None:
        case.acknowledged_on = day
    if transition.source is Status.VERIFIKASI and transition.target in DECISIONS:
        case.decided_on = case.decided_on or day
    if transition.target in CLOSURES:
        case.closed_on = day
    if transition.target is Status.SELESAI:
        case.outcome = transition.outcome
    if transition.is_reopen:
        case.outcome = None
    record_forwarding(opened, transition)
    if transition.target is Status.DIARSIPKAN:
        case.archived_on = day
        case.retention_until = retention_end(day, retention_days(db))
    case.status = transition.target
    case.last_feedback_on = day  # the reporter sees every status change on the timeline
    case.updated_at = moment
    add_timeline_entry(
        db,
        case,
        opened.dek,
        kind=TimelineKind.STATUS,
        status=case.status,
        text=timeline_text,
        now=moment,
    )
    detail: dict[str, DetailValue] = {
        "from": transition.source.value,
        "to": transition.target.value,
    }
    if transition.outcome is not None:
        detail["outcome"] = transition.outcome.value
    if transition.destination is not None:
        # The destination code only: the reference number could name the case elsewhere.
        detail["destination"] = transition.destination.value
    if transition.forward_result is not None:
        detail["forward_result"] = transition.forward_result.value
    audit_case_event(db, audit_key, "case:status_changed", actor, opened, detail)
    note_status_change(db, case, moment)  # a channel's webhook, in this transaction


class StatusFields(TypedDict, total=False):
    """What a status change may carry besides its target; which ones it needs is the
    workflow table's rule (``check_transition``)."""

    reason: str | None
    outcome: str | None
    destination: str | None
    reference: str | None
    forward_result: str | None


def check_status_change(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    target: str,
    **fields: Unpack[StatusFields],
) -> Transition:
    """The status change checked but not made (``WorkflowError`` subclasses when refused):
    a closing is checked before its confirmation page is shown."""
    return check_transition(
        opened.case.status,
        target,
        actor.role,
        **fields,
        objection_pending=objection_pending(db, opened),
    )


def change_status(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    target: str,
    *,
    audit_key: bytes,
    now: datetime | None = None,
    **fields: Unpack[StatusFields],
) -> Transition:
    """Move the case through the workflow (``WorkflowError`` subclasses when refused)."""
    transition = check_status_change(db, opened, actor, target, **fields)
    _apply(
        db,
        opened,
        actor,
        transition,
        audit_key=audit_key,
        moment=now_or(now),
        timeline_text=timeline_text(transition, opened.case.forwarded_to),
    )
    return transition


def answer_objection(
    db: Session,
    opened: OpenCase,
    actor: Actor,
    answer: str,
    *,
    reopen_to: str | None,
    audit_key: bytes,
    now: datetime | None = None,
) -> Transition | None:
    """Answer the reporter's objection; with ``reopen_to``, reopen the case with it."""
    if not objection_pending(db, opened):
        raise ObjectionNotAllowedError(lazy_gettext("There is no open objection on this case."))
    transition = check_objection_answer(
        opened.case.status, actor.role, answer=answer, reopen_to=reopen_to or None
    )
    moment = now_or(now)
    add_timeline_entry(
        db,
        opened.case,
        opened.dek,
        kind=TimelineKind.OBJECTION_ANSWER,
        text=answer.strip(),
        now=moment,
    )
    opened.case.last_feedback_on = wib_day(moment)
    opened.case.updated_at = moment
    if transition is not None:
        # The answer already is on the timeline; the status entry need not repeat it.
        _apply(
            db, opened, actor, transition, audit_key=audit_key, moment=moment, timeline_text=None
        )
    audit_case_event(
        db,
        audit_key,
        "objection:answered",
        actor,
        opened,
        {"reopened_to": transition.target.value if transition else None},
    )
    return transition


def today(now: datetime | None = None) -> date:
    """The current day in Jakarta (``sipadu.days``): the day stored and compared."""
    return wib_today(now)
