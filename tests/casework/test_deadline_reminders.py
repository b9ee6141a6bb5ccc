"""Deadline reminders: every supervisor and investigator with a readable case due soon or
overdue gets a content-free line in the next digest; nobody else does, nothing is queued
twice, and the mail names no case and no count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.cases.models import Case, CaseConflict, CaseGrant
from sipadu.casework.reminders import queue_deadline_reminders
from sipadu.days import wib_today
from sipadu.notify.models import NotificationKind, PendingNotification
from sipadu.notify.reminders import NotAReminderError, queue_reminder
from sipadu.notify.service import send_digests
from tests.support.factories import StaffMember, make_staff

MONDAY = date(2026, 11, 23)
FRIDAY = MONDAY - timedelta(days=3)
DUE_SOON_ON_MONDAY = FRIDAY  # acknowledgement due Wednesday
OVERDUE_ON_MONDAY = MONDAY - timedelta(days=14)


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, recipient: str, subject: str, body: str) -> None:
        self.sent.append((recipient, subject, body))


def _case(db: Session, code: str, received: date, *readers: tuple[StaffMember, str]) -> Case:
    """A metadata-only case (reminders never decrypt) with a grant for each reader."""
    case = Case(
        code=code,
        category="gratifikasi",
        status="diterima",
        received_on=received,
        objection_used=False,
        report_sealed=b"-",
        reporter_key_record=b"-",
        updated_at=datetime.now(UTC),
    )
    db.add(case)
    db.flush()
    for member, reason in readers:
        db.add(
            CaseGrant(
                case_id=case.id,
                staff_id=member.account.id,
                reason=reason,
                wrapped_dek=b"-",
                granted_by=None,
                created_at=datetime.now(UTC),
            )
        )
    return case


def _queued(db: Session) -> set[tuple[int, str]]:
    return {(row.staff_id, row.kind) for row in db.scalars(select(PendingNotification))}


def test_reminders_reach_the_readers_of_due_cases_only(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    worker = make_staff(app, db, "investigator")
    idle = make_staff(app, db, "investigator")  # granted by supervision only: not assigned
    conflicted = make_staff(app, db, "supervisor")
    admin = make_staff(app, db, "admin")
    gone = make_staff(app, db, "supervisor", active=False)
    _case(db, "SPD-REM001", DUE_SOON_ON_MONDAY, (boss, "supervisor"), (gone, "supervisor"))
    late = _case(
        db,
        "SPD-REM002",
        OVERDUE_ON_MONDAY,
        (boss, "supervisor"),
        (worker, "assignment"),
        (idle, "supervisor"),
        (conflicted, "supervisor"),
        (admin, "supervisor"),
    )
    db.add(
        CaseConflict(
            case_id=late.id,
            staff_id=conflicted.account.id,
            marked_by=None,
            created_at=datetime.now(UTC),
        )
    )
    db.commit()
    queued = queue_deadline_reminders(db, today=MONDAY)
    db.commit()
    assert queued == {NotificationKind.DUE_SOON: 1, NotificationKind.OVERDUE: 2}
    assert _queued(db) == {
        (boss.account.id, NotificationKind.DUE_SOON),
        (boss.account.id, NotificationKind.OVERDUE),
        (worker.account.id, NotificationKind.OVERDUE),
    }
    # A second run before the digest goes out queues nothing new.
    assert sum(queue_deadline_reminders(db, today=MONDAY).values()) == 0
    # Before anything is due (the Friday the first case came in) nobody is reminded.
    db.execute(delete(PendingNotification))
    late.received_on = FRIDAY
    db.commit()
    assert sum(queue_deadline_reminders(db, today=FRIDAY).values()) == 0


def test_the_reminder_mail_names_no_case_and_no_count(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    boss.account.email = "verif@example.org"
    for n in range(3):
        _case(db, f"SPD-REM10{n}", OVERDUE_ON_MONDAY, (boss, "supervisor"))
    _case(db, "SPD-REM200", DUE_SOON_ON_MONDAY, (boss, "supervisor"))
    db.commit()
    queue_deadline_reminders(db, today=MONDAY)
    db.commit()
    mailbox = Mailbox()
    keyring = current_settings(app).keyring
    assert keyring is not None
    report = send_digests(db, mailbox, audit_key=keyring.audit_hmac_key)
    assert report.sent == 1
    _, subject, body = mailbox.sent[0]
    assert "Ada kasus Anda yang melewati tenggat." in body
    assert "Some of your cases are due soon." in body
    assert "SPD-" not in body + subject and "REM" not in body
    assert not any(digit in body for digit in "0123456789")  # not even how many
    assert _queued(db) == set()


def test_only_reminder_kinds_are_queued_as_reminders(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    db.commit()
    try:
        queue_reminder(db, boss.account.id, NotificationKind.NEW_CASE)
    except NotAReminderError:
        pass
    else:
        raise AssertionError("a new-case notification was queued as a reminder")


def test_the_command_queues_and_reports(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    _case(db, "SPD-REM300", wib_today() - timedelta(days=60), (boss, "supervisor"))
    db.commit()
    result = app.test_cli_runner().invoke(args=["deadlines", "remind"])
    assert result.exit_code == 0, result.output
    assert "overdue 1" in result.output
    db.expire_all()
    assert (boss.account.id, NotificationKind.OVERDUE) in _queued(db)
