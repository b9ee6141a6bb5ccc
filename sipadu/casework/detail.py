"""Everything the case page and the API show about one case, decrypted for its reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.attachments import AttachmentView, list_attachments
from sipadu.cases.content import (
    MessageView,
    TimelineView,
    list_messages,
    list_timeline,
    read_report,
)
from sipadu.cases.deadlines import Deadline, DeadlineInputError, case_deadlines
from sipadu.cases.kinds import ASSIGNED_REASONS
from sipadu.cases.labels import place_or_agency
from sipadu.cases.models import CaseConflict, CaseGrant
from sipadu.cases.rating import RatingView, read_rating
from sipadu.cases.statuses import Status
from sipadu.cases.workflow import allowed_targets, can_object
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.case_conditions import inbox_policy
from sipadu.casework.forwarding import ForwardingView, forwarding_view, may_correct_reference
from sipadu.casework.service import objection_pending
from sipadu.crypto.errors import DecryptionError
from sipadu.days import wib_day
from sipadu.roles import StaffRole
from sipadu.units.agencies import list_agencies

# The exact submission time stays sealed: staff see the day of receipt.
HIDDEN_REPORT_FIELDS = frozenset({"submitted_at"})


@dataclass(frozen=True)
class Assignee:
    """An investigator who holds the case."""

    staff_id: int
    username: str
    reason: str


@dataclass(frozen=True)
class Conflict:
    """Someone excluded from the case by a conflict of interest, and who said so (their own
    declaration when ``by`` is themselves; ``by`` is None once that account is deleted)."""

    username: str
    by: str | None
    declared: bool
    on: date


@dataclass(frozen=True)
class CaseDetail:
    """The decrypted case for staff."""

    report: dict[str, object]
    # False when the sealed report does not verify (then ``report`` is empty).
    report_verified: bool
    attachments: list[AttachmentView]
    timeline: list[TimelineView]
    messages: list[MessageView]
    staff_names: dict[int, str]
    assignees: list[Assignee]
    investigators: list[str]
    # Staff a supervisor may mark as conflicted (not themselves, not already marked).
    conflict_candidates: list[str]
    targets: tuple[Status, ...]
    deadlines: list[Deadline]
    objection_pending: bool
    can_object: bool
    # The reporter's rating of the handling: read for supervisors only.
    rating: RatingView | None = None
    forwarding: ForwardingView | None = None
    status: Status = Status.DITERIMA

    @property
    def may_forward(self) -> bool:
        """The forwarding form is offered (it names the institution and its reference)."""
        return Status.DITERUSKAN in self.targets

    # A supervisor may correct the forwarding's reference (forwarded, not archived).
    may_correct_reference: bool = False

    @property
    def may_record_forward_outcome(self) -> bool:
        """The outcome form is offered: the case waits for the receiving institution."""
        return self.status is Status.DITERUSKAN and Status.SELESAI in self.targets

    @property
    def menu_targets(self) -> tuple[Status, ...]:
        """The general status menu: forwarding and its outcome have their own forms."""
        return tuple(
            t
            for t in self.targets
            if t is not Status.DITERUSKAN
            and not (self.status is Status.DITERUSKAN and t is Status.SELESAI)
        )

    # Who is excluded by a conflict of interest: shown to supervisors only.
    conflicts: tuple[Conflict, ...] = ()


def _names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.execute(
        select(StaffAccount.id, StaffAccount.username).where(StaffAccount.id.in_(ids))
    ).all()
    return {staff_id: username for staff_id, username in rows}


def _assignees(db: Session, opened: OpenCase) -> list[Assignee]:
    rows = db.execute(
        select(StaffAccount.id, StaffAccount.username, CaseGrant.reason)
        .join(CaseGrant, CaseGrant.staff_id == StaffAccount.id)
        .where(CaseGrant.case_id == opened.case.id, CaseGrant.reason.in_(ASSIGNED_REASONS))
        .order_by(StaffAccount.username)
    ).all()
    return [Assignee(*row) for row in rows]


def _investigators(db: Session, opened: OpenCase) -> list[str]:
    """Active investigators a supervisor may choose from: those with a conflict of interest
    in this case are left out (assigning them is refused, so the menu never offers it)."""
    conflicted = select(CaseConflict.staff_id).where(CaseConflict.case_id == opened.case.id)
    return list(
        db.scalars(
            select(StaffAccount.username)
            .where(
                StaffAccount.role == StaffRole.INVESTIGATOR,
                StaffAccount.active.is_(True),
                StaffAccount.id.not_in(conflicted),
            )
            .order_by(StaffAccount.username)
            .limit(500)
        )
    )


def _conflict_candidates(db: Session, opened: OpenCase, actor: Actor) -> list[str]:
    """Active supervisors and investigators not yet marked in this case, the actor aside."""
    conflicted = select(CaseConflict.staff_id).where(CaseConflict.case_id == opened.case.id)
    return list(
        db.scalars(
            select(StaffAccount.username)
            .where(
                StaffAccount.role.in_((StaffRole.SUPERVISOR, StaffRole.INVESTIGATOR)),
                StaffAccount.active.is_(True),
                StaffAccount.id != actor.staff_id,
                StaffAccount.id.not_in(conflicted),
            )
            .order_by(StaffAccount.username)
            .limit(500)
        )
    )


def _conflicts(db: Session, opened: OpenCase) -> tuple[Conflict, ...]:
    """The conflicts of interest in this case, by username, with who declared or marked them."""
    rows = db.execute(
        select(CaseConflict.staff_id, CaseConflict.marked_by, CaseConflict.created_at)
        .where(CaseConflict.case_id == opened.case.id)
        .order_by(CaseConflict.created_at, CaseConflict.id)
    ).all()
    names = _names(
        db, {row.staff_id for row in rows} | {row.marked_by for row in rows if row.marked_by}
    )
    return tuple(
        Conflict(
            username=names.get(row.staff_id, "?"),
            by=names.get(row.marked_by) if row.marked_by is not None else None,
            declared=row.marked_by == row.staff_id,
            on=wib_day(row.created_at),
        )
        for row in rows
    )


def _deadlines(db: Session, opened: OpenCase, today: date) -> list[Deadline]:
    policy, holidays = inbox_policy(db)
    case = opened.case
    try:
        return case_deadlines(
            case.received_on,
            case.status,
            case.acknowledged_on,
            case.decided_on,
            case.last_feedback_on,
            case.closed_on,
            policy,
            holidays,
            today=today,
        )
    except DeadlineInputError:
        return []


def case_detail(db: Session, opened: OpenCase, actor: Actor, *, today: date) -> CaseDetail:
    """Decrypt the report, files, timeline and messages (internal notes included)."""
    agencies = {agency.code: agency.shown_name for agency in list_agencies(db)}
    try:
        report = {
            key: place_or_agency(key, value, agencies)
            for key, value in read_report(opened.case, opened.dek).items()
            if key not in HIDDEN_REPORT_FIELDS
        }
    except DecryptionError:
        report = None
    messages = list_messages(db, opened.case, opened.dek, include_internal=True)
    supervisor = actor.role == StaffRole.SUPERVISOR
    pending = objection_pending(db, opened)
    # Archiving waits for the answer to a pending objection: the menu does not offer a step
    # the workflow would refuse.
    targets = tuple(
        t
        for t in allowed_targets(opened.case.status, actor.role)
        if not (pending and t is Status.DIARSIPKAN)
    )
    return CaseDetail(
        report=report or {},
        report_verified=report is not None,
        attachments=list_attachments(db, opened.case, opened.dek),
        timeline=list_timeline(db, opened.case, opened.dek),
        messages=messages,
        staff_names=_names(db, {m.staff_id for m in messages if m.staff_id is not None}),
        assignees=_assignees(db, opened),
        investigators=_investigators(db, opened) if supervisor else [],
        conflict_candidates=_conflict_candidates(db, opened, actor) if supervisor else [],
        targets=targets,
        deadlines=_deadlines(db, opened, today),
        objection_pending=pending,
        can_object=can_object(opened.case.status, opened.case.objection_used),
        rating=read_rating(db, opened.case, opened.dek) if supervisor else None,
        forwarding=forwarding_view(opened),
        may_correct_reference=supervisor and may_correct_reference(opened),
        status=Status(opened.case.status),
        conflicts=_conflicts(db, opened) if supervisor else (),
    )
