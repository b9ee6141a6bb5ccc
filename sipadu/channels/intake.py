"""What SIPADU keeps about a report a channel filed, and what the channel may learn back.

A case filed through a channel gets one ``ChannelIntake`` row: HMACs (under the channel's
token) of its ``external_ref`` and ``Idempotency-Key``, a fingerprint of the body, and for 24
hours the case key sealed under a key derived from the token and the Idempotency-Key
(``sipadu/crypto/channel.py``). A retry with the same key gets the same case back and, while
the box is kept, the case key; nothing SIPADU holds opens it without the channel's token.

The channel learns only a coarse status and its day (``coarse_status``); each change of the
coarse status queues a webhook in the transaction that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sipadu.cases.models import Case
from sipadu.cases.statuses import Status
from sipadu.channels.accounts import CallingAccount
from sipadu.channels.models import (
    Channel,
    ChannelIntake,
    CoarseStatus,
    ServiceAccount,
    WebhookDelivery,
)
from sipadu.crypto.channel import (
    ReplayBoxError,
    body_fingerprint,
    lookup_hash,
    open_case_key,
    replay_key,
    same_fingerprint,
    seal_case_key,
)
from sipadu.days import wib_day, wib_midnight

KEY_KEPT = timedelta(hours=24)
_COARSE = {
    Status.DITERIMA: CoarseStatus.RECEIVED,
    Status.VERIFIKASI: CoarseStatus.IN_PROGRESS,
    Status.PERLU_DILENGKAPI: CoarseStatus.IN_PROGRESS,
    Status.INVESTIGASI: CoarseStatus.IN_PROGRESS,
    Status.DITERUSKAN: CoarseStatus.FORWARDED,
    Status.SELESAI: CoarseStatus.CLOSED,
    Status.TIDAK_DAPAT_DITINDAKLANJUTI: CoarseStatus.CLOSED,
    Status.DIARSIPKAN: CoarseStatus.CLOSED,
}


class IdempotencyConflictError(ValueError):
    """The Idempotency-Key was used before with another body."""


class ExternalRefTakenError(ValueError):
    """This account already filed a case with this external_ref (under another key)."""


@dataclass(frozen=True)
class Replay:
    """A retry's answer: the case it filed, and its key while the sealed copy is kept."""

    case_code: str
    case_key: str | None = field(repr=False)


@dataclass(frozen=True)
class IntakeRequest:
    """One intake call: who, through which channel, under which keys, with what body."""

    account: CallingAccount
    channel: Channel
    external_ref: str
    idempotency_key: str
    canonical_body: bytes = field(repr=False)

    @property
    def idem_hash(self) -> str:
        """The Idempotency-Key as stored (an HMAC only the token's holder can compute)."""
        return lookup_hash(self.account.secret, "idempotency", self.idempotency_key)

    @property
    def ref_hash(self) -> str:
        """The external_ref as stored."""
        return ref_hash(self.account, self.external_ref)

    def box_key(self) -> bytes:
        """The key sealing this request's case key."""
        return replay_key(self.account.secret, self.idempotency_key)


def ref_hash(account: CallingAccount, external_ref: str) -> str:
    """How an account's external_ref is stored and looked up."""
    return lookup_hash(account.secret, "external-ref", external_ref)


def coarse_status(status: Status | str) -> CoarseStatus:
    """What a channel is told of a case status."""
    return _COARSE[Status(status)]


def find_replay(db: Session, request: IntakeRequest, now: datetime | None = None) -> Replay | None:
    """The earlier answer to this Idempotency-Key, or None when it is new; raises
    ``IdempotencyConflictError`` when the key came with another body, and
    ``ExternalRefTakenError`` when a new key names a ref already filed."""
    row = db.scalar(
        select(ChannelIntake).where(
            ChannelIntake.account_id == request.account.id,
            ChannelIntake.idem_hash == request.idem_hash,
        )
    )
    if row is None:
        taken = db.scalar(
            select(ChannelIntake.id).where(
                ChannelIntake.account_id == request.account.id,
                ChannelIntake.ref_hash == request.ref_hash,
            )
        )
        if taken is not None:
            raise ExternalRefTakenError(request.channel.value)
        return None
    box_key = request.box_key()
    if not same_fingerprint(row.body_mac, body_fingerprint(box_key, request.canonical_body)):
        raise IdempotencyConflictError("another body")
    code = db.scalar(select(Case.code).where(Case.id == row.case_id))
    assert code is not None  # noqa: S101  (the row cascades with its case)
    return Replay(code, _open_box(row, box_key, now or datetime.now(UTC)))


def _open_box(row: ChannelIntake, box_key: bytes, now: datetime) -> str | None:
    if row.key_sealed is None or row.key_kept_until is None or row.key_kept_until <= now:
        return None
    try:
        return open_case_key(box_key, row.key_sealed, row.idem_hash)
    except ReplayBoxError:
        return None


def _hour_after(moment: datetime) -> datetime:
    """``moment`` rounded up to the hour: the row tells the filing time no finer."""
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def record_intake(
    db: Session, request: IntakeRequest, case: Case, case_key: str, now: datetime | None = None
) -> ChannelIntake:
    """Link the new case to the account, with the sealed key for retries."""
    moment = now or datetime.now(UTC)
    box_key = request.box_key()
    idem_hash = request.idem_hash
    row = ChannelIntake(
        account_id=request.account.id,
        case_id=case.id,
        channel=request.channel,
        ref_hash=request.ref_hash,
        idem_hash=idem_hash,
        body_mac=body_fingerprint(box_key, request.canonical_body),
        key_sealed=seal_case_key(box_key, case_key, idem_hash),
        key_kept_until=_hour_after(moment + KEY_KEPT),
        coarse_status=coarse_status(case.status),
        status_on=case.received_on,
    )
    db.add(row)
    db.flush()
    return row


def purge_expired_keys(db: Session, now: datetime | None = None) -> int:
    """Drop every sealed case key past its 24 hours (and the expiry with it)."""
    result = db.execute(
        update(ChannelIntake)
        .where(ChannelIntake.key_kept_until <= (now or datetime.now(UTC)))
        .values(key_sealed=None, key_kept_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class IntakeStatus:
    """What ``GET /api/v1/intake/reports/<ref>`` answers."""

    case_code: str
    status: CoarseStatus
    since: date


def intake_status(db: Session, account: CallingAccount, external_ref: str) -> IntakeStatus | None:
    """The coarse status of the account's own case filed as ``external_ref``."""
    row = db.execute(
        select(Case.code, ChannelIntake.coarse_status, ChannelIntake.status_on)
        .join(Case, Case.id == ChannelIntake.case_id)
        .where(
            ChannelIntake.account_id == account.id,
            ChannelIntake.ref_hash == ref_hash(account, external_ref),
        )
    ).first()
    return None if row is None else IntakeStatus(row[0], CoarseStatus(row[1]), row[2])


def note_status_change(
    db: Session, case: Case, moment: datetime, *, by_reporter: bool = False
) -> None:
    """After ``case.status`` changed: when a channel filed the case and its coarse status
    moved, record the new one and queue a webhook in the same transaction. A change the
    reporter caused is sent no earlier than the end of its UTC day, so the channel cannot
    time the reporter's action."""
    row = db.scalar(select(ChannelIntake).where(ChannelIntake.case_id == case.id))
    if row is None:
        return
    coarse = coarse_status(case.status)
    if coarse == row.coarse_status:
        return
    row.coarse_status, row.status_on = coarse, wib_day(moment)
    account = db.get(ServiceAccount, row.account_id)
    if account is None or account.revoked_on is not None or account.webhook_url is None:
        return
    due = moment
    if by_reporter:
        due = wib_midnight(moment) + timedelta(days=1)
    db.add(
        WebhookDelivery(
            account_id=account.id,
            case_id=case.id,
            case_code=case.code,
            status=coarse,
            status_on=wib_day(moment),
            attempts=0,
            next_attempt_at=due,
        )
    )
