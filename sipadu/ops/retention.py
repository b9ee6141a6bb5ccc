"""Retention: which archived cases are due, and the purge (a supervisor extending a case's
retention is casework: sipadu/casework/retention_extension.py).

A purge deletes one case per transaction: the rows (grants, conflicts, messages, timeline,
attachments, the reporter's rating, sessions, the case-key throttle row for its code) and
one ``case:purged`` audit event commit together. Blobs are shredded only AFTER that commit,
so a crash can never leave a case whose files are gone but whose rows remain; a crash
between the commit and the shred leaves an orphan blob (unreadable: its key died with the
row) that ``sipadu storage gc`` removes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sipadu.audit.actors import Actor
from sipadu.audit.service import record_event
from sipadu.cases.models import (
    Attachment,
    Case,
    CaseConflict,
    CaseGrant,
    CaseKeyThrottle,
    CaseMessage,
    CaseRating,
    IdentityKeyGrant,
    IdentityVersionRead,
    TimelineEntry,
)
from sipadu.channels.models import ChannelIntake, WebhookDelivery
from sipadu.confidential.models import ApprovalRequest, CaseRedaction
from sipadu.days import wib_today
from sipadu.sessions.models import AuthSession
from sipadu.storage.base import BlobNotFoundError, BlobStore
from sipadu.unit_of_work import commit_now, discard_now

_CHILD_TABLES = (
    CaseGrant,
    CaseConflict,
    CaseMessage,
    TimelineEntry,
    Attachment,
    CaseRating,
    AuthSession,
    ChannelIntake,
    WebhookDelivery,
    IdentityKeyGrant,
    IdentityVersionRead,
    # Before the requests its rows name.
    CaseRedaction,
    ApprovalRequest,
)


class RetentionError(ValueError):
    """A retention change is not allowed; the message says why."""


@dataclass(frozen=True)
class DueCase:
    """A case whose retention ends on or before the horizon (metadata only)."""

    code: str
    archived_on: date | None
    retention_until: date
    extended: bool


def retention_end(archived_on: date, days: int) -> date:
    """The day a case archived on ``archived_on`` becomes due for purge, ``days`` later."""
    return archived_on + timedelta(days=days)


def cases_due_for_purge(
    db: Session, within_days: int = 14, *, today: date | None = None
) -> list[DueCase]:
    """Cases whose retention ends within ``within_days`` (0: due now), soonest first."""
    horizon = (today or wib_today()) + timedelta(days=within_days)
    rows = db.scalars(
        select(Case)
        .where(Case.retention_until.is_not(None), Case.retention_until <= horizon)
        .order_by(Case.retention_until, Case.code)
    )
    return [
        DueCase(
            case.code,
            case.archived_on,
            case.retention_until,  # type: ignore[arg-type]
            case.retention_extended_by is not None,
        )
        for case in rows
    ]


def purge_case(db: Session, case: Case, *, audit_key: bytes, actor: str = Actor.CLI) -> list[str]:
    """Delete the case and everything hanging off it, record ``case:purged`` and commit.

    Returns the blob ids to shred once the commit is durable."""
    blob_ids = list(db.scalars(select(Attachment.blob_id).where(Attachment.case_id == case.id)))
    code, case_id = case.code, case.id
    # Explicit deletes, not ON DELETE CASCADE alone: they work whatever the connection's
    # foreign-key pragma says.
    for model in _CHILD_TABLES:
        db.execute(delete(model).where(model.case_id == case_id))
    db.execute(delete(CaseKeyThrottle).where(CaseKeyThrottle.code == code))
    db.execute(delete(Case).where(Case.id == case_id))
    record_event(db, audit_key, "case:purged", actor=actor, case_code=code)
    commit_now(db)  # one case per transaction: its blobs are shredded once this is durable
    return blob_ids


def shred_blobs(store: BlobStore, blob_ids: list[str]) -> None:
    """Overwrite and unlink blobs; one already gone is fine (a re-run after a crash)."""
    for blob_id in blob_ids:
        with contextlib.suppress(BlobNotFoundError):
            store.delete(blob_id)


def run_retention(
    db: Session,
    store: BlobStore,
    *,
    audit_key: bytes,
    dry_run: bool = False,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Purge every case due today (or only list them with ``dry_run``); returns the codes."""
    due = [item.code for item in cases_due_for_purge(db, 0, today=today)]
    if dry_run:
        return due
    purged = []
    for code in due:
        # Re-read under this transaction: an extension committed meanwhile wins.
        case = db.scalar(select(Case).where(Case.code == code).with_for_update())
        if (
            case is None
            or case.retention_until is None
            or case.retention_until > (today or wib_today())
        ):
            discard_now(db)  # release the row lock of a case no longer due
            continue
        blob_ids = purge_case(db, case, audit_key=audit_key)
        shred_blobs(store, blob_ids)
        purged.append(code)
        if progress is not None:
            progress(1)
    return purged
