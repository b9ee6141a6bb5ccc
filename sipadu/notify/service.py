"""Content-free notifications: "ada laporan baru" / "ada balasan pelapor", batched.

Other packages call ``notify_new_case`` or ``notify_reporter_reply`` in the transaction of the
event; that only queues rows. ``sipadu notify send`` (cron or a systemd timer, every few
minutes) sends each recipient at most one digest per ``DIGEST_INTERVAL``. E-mail is plain
text through someone else's servers, so a digest says only *that* something happened and how
often: no case code, no category, no text. Without an SMTP host a content-free log line (staff
id and counts, never an address) stands in for the mail.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sipadu.audit.service import record_event
from sipadu.cases.models import Case, CaseGrant
from sipadu.notify.models import NotificationLog, PendingNotification
from sipadu.staff.models import StaffAccount

log = logging.getLogger("sipadu.notify")
DIGEST_INTERVAL = timedelta(minutes=15)
SUBJECT = "SIPADU: ada pembaruan / there are updates"
LINES = {
    "new_case": ("Ada laporan baru: {n}.", "New reports: {n}."),
    "reporter_reply": ("Ada balasan pelapor: {n}.", "Replies from reporters: {n}."),
    "new_supervisor": ("Supervisor baru disetujui: {n}.", "Supervisors approved: {n}."),
}
FOOTER = ("Silakan masuk ke SIPADU untuk melihatnya. / Please sign in to SIPADU to read them.\n"
          "E-mail ini sengaja tidak memuat isi laporan. / This e-mail deliberately carries no "
          "case content.\n")


class Transport(Protocol):
    """Something that delivers one plain-text message."""

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Deliver or raise ``OSError``."""


@dataclass(frozen=True)
class SendReport:
    """What one ``send_digests`` run did."""

    sent: int
    logged: int
    deferred: int


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _queue(db: Session, staff_ids: set[int], kind: str, now: datetime | None) -> int:
    for staff_id in sorted(staff_ids):
        # The day only: a queued "new report" must not record when a reporter submitted.
        created = _now(now).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        db.add(PendingNotification(staff_id=staff_id, kind=kind, created_at=created))
    db.flush()
    return len(staff_ids)


def _grant_holders(db: Session, case: Case, roles: tuple[str, ...]) -> set[int]:
    stmt = (select(StaffAccount.id).join(CaseGrant, CaseGrant.staff_id == StaffAccount.id)
            .where(CaseGrant.case_id == case.id, StaffAccount.active.is_(True),
                   StaffAccount.role.in_(roles)))
    return set(db.scalars(stmt))


def notify_new_case(db: Session, case: Case, now: datetime | None = None) -> int:
    """Queue "ada laporan baru" for the active supervisors holding a grant on ``case``."""
    return _queue(db, _grant_holders(db, case, ("supervisor",)), "new_case", now)


def notify_reporter_reply(db: Session, case: Case, now: datetime | None = None) -> int:
    """Queue "ada balasan pelapor" for the active supervisors and investigators on ``case``."""
    holders = _grant_holders(db, case, ("supervisor", "investigator"))
    return _queue(db, holders, "reporter_reply", now)


def notify_supervisor_approved(db: Session, now: datetime | None = None) -> int:
    """Queue "supervisor baru disetujui" for every active supervisor (no name: a supervisor
    who did not expect it signs in and looks at the audit log)."""
    supervisors = set(db.scalars(select(StaffAccount.id).where(
        StaffAccount.role == "supervisor", StaffAccount.active.is_(True))))
    return _queue(db, supervisors, "new_supervisor", now)


def digest_body(counts: Counter[str]) -> str:
    """The digest text: counts per kind, both languages, nothing about any case."""
    lines = []
    for kind, (indonesian, english) in LINES.items():
        if counts[kind]:
            lines.append(f"{indonesian.format(n=counts[kind])} / {english.format(n=counts[kind])}")
    return "\n".join(lines) + "\n\n" + FOOTER


def _due(db: Session, staff_id: int, moment: datetime) -> bool:
    sent = db.get(NotificationLog, staff_id)
    return sent is None or _aware(sent.last_sent_at) + DIGEST_INTERVAL <= moment


def _mark_sent(db: Session, staff_id: int, moment: datetime) -> None:
    sent = db.get(NotificationLog, staff_id)
    if sent is None:
        db.add(NotificationLog(staff_id=staff_id, last_sent_at=moment))
    else:
        sent.last_sent_at = moment


def send_digests(db: Session, transport: Transport | None, *, audit_key: bytes,
                 now: datetime | None = None) -> SendReport:
    """Send one digest per recipient whose last digest is older than the interval.

    ``transport`` None means no SMTP server: each digest becomes a content-free log line.
    A delivery failure leaves that recipient's rows queued for the next run.
    """
    moment = _now(now)
    pending: dict[int, Counter[str]] = {}
    for row in db.scalars(select(PendingNotification).order_by(PendingNotification.id)):
        pending.setdefault(row.staff_id, Counter())[row.kind] += 1
    sent = logged = deferred = 0
    for staff_id, counts in pending.items():
        if not _due(db, staff_id, moment):
            deferred += 1
            continue
        account = db.get(StaffAccount, staff_id)
        body = digest_body(counts)
        if transport is not None and account is not None and account.email and account.active:
            try:
                transport.send(account.email, SUBJECT, body)
            except OSError:
                log.warning("notification digest for staff:%d not delivered; kept queued",
                            staff_id)
                deferred += 1
                continue
            sent += 1
        else:
            log.info("notification digest for staff:%d: %s", staff_id,
                     ", ".join(f"{kind}={n}" for kind, n in sorted(counts.items())))
            logged += 1
        db.execute(delete(PendingNotification).where(PendingNotification.staff_id == staff_id))
        _mark_sent(db, staff_id, moment)
        record_event(db, audit_key, "notification:sent", actor="system",
                     detail={"target": staff_id, "events": sum(counts.values())})
    db.flush()
    return SendReport(sent, logged, deferred)
