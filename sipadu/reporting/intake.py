"""Filing a report for a channel (the intake API's service): once per Idempotency-Key.

The view has checked the token, the body and that someone could read the report; this files
it like the reporter API does (``service.submit_report``), links it to the account
(``sipadu/channels/intake.py``) and audits it as the account's act. A request that repeats an
earlier one gets the earlier case back instead, including when both copies arrive at the same
moment: the second loses on the unique index, its case is rolled back, and it answers as a
retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sipadu.audit.actors import service_actor
from sipadu.audit.service import record_event
from sipadu.channels.intake import IntakeRequest, find_replay, record_intake
from sipadu.reporting import service
from sipadu.reporting.validation import ValidReport
from sipadu.settings import Settings
from sipadu.unit_of_work import discard_now


@dataclass(frozen=True)
class ChannelFiling:
    """The answer to an intake call: the case, its key (None once the retry window is over)
    and whether it was filed by an earlier request."""

    case_code: str
    case_key: str | None = field(repr=False)
    replayed: bool


def earlier_filing(db: Session, intake: IntakeRequest, audit_key: bytes) -> ChannelFiling | None:
    """The case an earlier request with this Idempotency-Key filed, or None; raises
    ``IdempotencyConflictError`` / ``ExternalRefTakenError`` (``channels/intake.py``)."""
    replay = find_replay(db, intake)
    if replay is None:
        return None
    record_event(
        db,
        audit_key,
        "intake:replayed",
        actor=service_actor(intake.account.id),
        case_code=replay.case_code,
        detail={"key_returned": replay.case_key is not None},
    )
    return ChannelFiling(replay.case_code, replay.case_key, replayed=True)


def file_for_channel(
    db: Session, intake: IntakeRequest, valid: ValidReport, settings: Settings
) -> ChannelFiling:
    """File the report (inside the Argon2 gate, no transaction open); raises
    ``ServiceNotReadyError`` when no supervisor could read it any more."""
    assert settings.keyring is not None  # noqa: S101  (create_app guarantees a keyring)
    audit_key = settings.keyring.audit_hmac_key
    try:
        created = service.submit_report(db, valid.report, valid.identity, [], settings).created
        record_intake(db, intake, created.case, created.case_key)
    except IntegrityError:  # the same request, stored a moment ago by its other copy
        discard_now(db)
        earlier = earlier_filing(db, intake, audit_key)
        if earlier is None:
            raise
        return earlier
    record_event(
        db,
        audit_key,
        "intake:filed",
        actor=service_actor(intake.account.id),
        case_code=created.case.code,
        detail={"channel": intake.channel.value},
    )
    return ChannelFiling(created.case.code, created.case_key, replayed=False)
