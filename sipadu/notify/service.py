"""Content-free notifications: "ada laporan baru" / "ada balasan pelapor", batched.

Other packages call ``notify_new_case`` or ``notify_reporter_reply`` in the transaction of the
event; that only queues rows. ``sipadu notify send`` (cron or a systemd timer, every few
minutes) sends each recipient at most one digest per ``DIGEST_INTERVAL``, with no database
transaction open while it talks to the mail server (see ``send_digests``). E-mail is plain
text through someone else's servers, so a digest says only *that* something happened and how
often: no case code, no category, no text. Without an SMTP host a content-free log line (staff
id and counts, never an address) stands in for the mail.

Kinds a reporter causes (``REPORTER_KINDS``) wait until the UTC day they were queued in is over:
a digest's arrival and its ``Date`` header would otherwise date a report or a reply to within
minutes, where the audit log keeps it to the day (the same UTC day as its day queue).
Staff-caused kinds go out in the next run.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.cases.models import Case, CaseGrant
from sipadu.coltypes import as_utc
from sipadu.notify.models import (
    REPORTER_KINDS,
    NotificationKind,
    NotificationLog,
    PendingNotification,
)
from sipadu.roles import CASE_ROLES, StaffRole
from sipadu.unit_of_work import commit_now, end_transaction

log = logging.getLogger("sipadu.notify")
DIGEST_INTERVAL = timedelta(minutes=15)
SUBJECT = "SIPADU: ada pembaruan / there are updates"
LINES = {
    NotificationKind.NEW_CASE: ("Ada laporan baru: {n}.", "New reports: {n}."),
    NotificationKind.REPORTER_REPLY: ("Ada balasan pelapor: {n}.", "Replies from reporters: {n}."),
    NotificationKind.NEW_SUPERVISOR: (
        "Verifikator baru disetujui: {n}.",
        "Supervisors approved: {n}.",
    ),
    NotificationKind.IDENTITY_REQUEST: (
        "Permintaan membuka identitas menunggu keputusan: {n}.",
        "Identity requests waiting for a decision: {n}.",
    ),
    NotificationKind.IDENTITY_ANSWER: (
        "Permintaan identitas Anda telah diputuskan: {n}.",
        "Your identity requests were decided: {n}.",
    ),
    # Reminders carry no count: one pending row per person and kind (notify/reminders.py).
    NotificationKind.DUE_SOON: (
        "Ada kasus Anda yang mendekati tenggat.",
        "Some of your cases are due soon.",
    ),
    NotificationKind.OVERDUE: (
        "Ada kasus Anda yang melewati tenggat.",
        "Some of your cases are overdue.",
    ),
}
FOOTER = (
    "Silakan masuk ke SIPADU untuk melihatnya. / Please sign in to SIPADU to read them.\n"
    "E-mail ini sengaja tidak memuat isi laporan. / This e-mail deliberately carries no "
    "case content.\n"
)


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


def _day_start(moment: datetime) -> datetime:
    return as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _queue(db: Session, staff_ids: set[int], kind: str, now: datetime | None) -> int:
    for staff_id in sorted(staff_ids):
        # The day only: a queued "new report" must not record when a reporter submitted.
        created = _day_start(_now(now))
        db.add(PendingNotification(staff_id=staff_id, kind=kind, created_at=created))
    db.flush()
    return len(staff_ids)


def _grant_holders(db: Session, case: Case, roles: tuple[str, ...]) -> set[int]:
    stmt = (
        select(StaffAccount.id)
        .join(CaseGrant, CaseGrant.staff_id == StaffAccount.id)
        .where(
            CaseGrant.case_id == case.id,
            StaffAccount.active.is_(True),
            StaffAccount.role.in_(roles),
        )
    )
    return set(db.scalars(stmt))


def notify_new_case(db: Session, case: Case, now: datetime | None = None) -> int:
    """Queue "ada laporan baru" for the active supervisors holding a grant on ``case``."""
    return _queue(
        db, _grant_holders(db, case, (StaffRole.SUPERVISOR,)), NotificationKind.NEW_CASE, now
    )


def notify_reporter_reply(db: Session, case: Case, now: datetime | None = None) -> int:
    """Queue "ada balasan pelapor" for the active supervisors and investigators on ``case``."""
    holders = _grant_holders(db, case, CASE_ROLES)
    return _queue(db, holders, NotificationKind.REPORTER_REPLY, now)


def notify_supervisor_approved(db: Session, now: datetime | None = None) -> int:
    """Queue "supervisor baru disetujui" for every active supervisor (no name: a supervisor
    who did not expect it signs in and looks at the audit log)."""
    supervisors = set(
        db.scalars(
            select(StaffAccount.id).where(
                StaffAccount.role == StaffRole.SUPERVISOR, StaffAccount.active.is_(True)
            )
        )
    )
    return _queue(db, supervisors, NotificationKind.NEW_SUPERVISOR, now)


def notify_identity_request(db: Session, now: datetime | None = None) -> int:
    """Queue "identity request waiting" for every active, approved identity custodian (no
    case code): one not approved yet can decide nothing."""
    custodians = set(
        db.scalars(
            select(StaffAccount.id).where(
                StaffAccount.role == StaffRole.CUSTODIAN,
                StaffAccount.active.is_(True),
                StaffAccount.activation_approved_at.is_not(None),
            )
        )
    )
    return _queue(db, custodians, NotificationKind.IDENTITY_REQUEST, now)


def notify_identity_answer(db: Session, requester_id: int, now: datetime | None = None) -> int:
    """Queue "your identity request was decided" for the requester (not which way)."""
    return _queue(db, {requester_id}, NotificationKind.IDENTITY_ANSWER, now)


def digest_body(counts: Counter[str]) -> str:
    """The digest text: counts per kind, both languages, nothing about any case."""
    lines = []
    for kind, (indonesian, english) in LINES.items():
        if counts[kind]:
            lines.append(f"{indonesian.format(n=counts[kind])} / {english.format(n=counts[kind])}")
    return "\n".join(lines) + "\n\n" + FOOTER


@dataclass(frozen=True)
class _Digest:
    """One recipient's queued events, read before any mail server is contacted."""

    staff_id: int
    row_ids: tuple[int, ...]
    counts: Counter[str]
    address: str | None = field(repr=False)


def _is_due(row: PendingNotification, today: datetime) -> bool:
    """Staff-caused rows are due at once; a reporter's once the day it was queued is over."""
    return row.kind not in REPORTER_KINDS or row.created_at < today


def _collect(db: Session, moment: datetime) -> list[_Digest]:
    pending: dict[int, tuple[list[int], Counter[str]]] = {}
    today = _day_start(moment)
    for row in db.scalars(select(PendingNotification).order_by(PendingNotification.id)):
        if _is_due(row, today):
            ids, counts = pending.setdefault(row.staff_id, ([], Counter()))
            ids.append(row.id)
            counts[row.kind] += 1
    digests = []
    for staff_id, (ids, counts) in pending.items():
        account = db.get(StaffAccount, staff_id)
        address = account.email if account is not None and account.active else None
        digests.append(_Digest(staff_id, tuple(ids), counts, address))
    return digests


def _claim(db: Session, staff_id: int, moment: datetime) -> tuple[datetime | None] | None:
    """Mark the digest as going out now, so an overlapping run does not send it too.

    Returns ``(previous send time,)`` when claimed, ``None`` when not due (or claimed by
    another run). Committed at once: the claim is the only thing held while mail goes out.
    """
    row = db.get(NotificationLog, staff_id, with_for_update=True, populate_existing=True)
    if row is None:
        claimed = db.execute(
            _insert_for(db)(NotificationLog)
            .values(staff_id=staff_id, last_sent_at=moment)
            .on_conflict_do_nothing()
        )
        commit_now(db)
        return (None,) if claimed.rowcount else None  # type: ignore[attr-defined]
    previous = row.last_sent_at
    if previous + DIGEST_INTERVAL > moment:
        commit_now(db)
        return None
    row.last_sent_at = moment
    commit_now(db)
    return (previous,)


def _insert_for(db: Session) -> Any:
    return postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert


def _release(db: Session, staff_id: int, previous: datetime | None, moment: datetime) -> None:
    """Undo a claim whose mail could not be delivered: the next run tries again."""
    mine = (NotificationLog.staff_id == staff_id) & (NotificationLog.last_sent_at == moment)
    if previous is None:
        db.execute(delete(NotificationLog).where(mine))
    else:
        db.execute(update(NotificationLog).where(mine).values(last_sent_at=previous))
    commit_now(db)  # one unit per digest


def _record_sent(db: Session, digest: _Digest, audit_key: bytes) -> None:
    # Only the rows this digest counted: events queued while it was on its way, and a
    # reporter's rows of a day not over yet (lower ids too), stay queued.
    db.execute(delete(PendingNotification).where(PendingNotification.id.in_(digest.row_ids)))
    record_event(
        db,
        audit_key,
        "notification:sent",
        actor=Actor.SYSTEM,
        detail={"target": digest.staff_id, "events": sum(digest.counts.values())},
    )
    commit_now(db)  # one unit per digest


def _deliver(transport: Transport | None, digest: _Digest) -> str:
    """Send (``sent``), log (``logged``, no SMTP or no address) or fail (``deferred``)."""
    body = digest_body(digest.counts)
    if transport is None or digest.address is None:
        log.info(
            "notification digest for staff:%d: %s",
            digest.staff_id,
            ", ".join(f"{kind}={n}" for kind, n in sorted(digest.counts.items())),
        )
        return "logged"
    try:
        transport.send(digest.address, SUBJECT, body)
    except OSError:
        log.warning("notification digest for staff:%d not delivered; kept queued", digest.staff_id)
        return "deferred"
    return "sent"


def send_digests(
    db: Session, transport: Transport | None, *, audit_key: bytes, now: datetime | None = None
) -> SendReport:
    """Send one digest per recipient whose last digest is older than the interval.

    Only due rows count: a reporter's rows wait for the first run after their UTC day.

    ``transport`` None means no SMTP server: each digest becomes a content-free log line.
    No transaction is open while a mail server is contacted: the queue is read and
    committed, each digest is claimed in a short transaction, sent, then its rows are
    deleted and its audit event recorded in another. Delivery is at least once: a crash
    between the send and that last commit sends the same counts again once the interval has
    passed; a crash before the send delays the digest by one interval, never loses it. A
    delivery failure releases the claim and keeps the rows queued for the next run.
    """
    moment = _now(now)
    digests = _collect(db, moment)
    end_transaction(db)  # mail servers are contacted next
    outcomes: Counter[str] = Counter()
    for digest in digests:
        claim = _claim(db, digest.staff_id, moment)
        if claim is None:
            outcomes["deferred"] += 1
            continue
        outcome = _deliver(transport, digest)
        outcomes[outcome] += 1
        if outcome == "deferred":
            _release(db, digest.staff_id, claim[0], moment)
        else:
            _record_sent(db, digest, audit_key)
    return SendReport(outcomes["sent"], outcomes["logged"], outcomes["deferred"])
