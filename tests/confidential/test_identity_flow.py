"""The identity request flow: ask, a custodian decides, only the requester reads, for a
limited time; the reporter sees the opening and may withdraw before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.cases.content import list_timeline
from sipadu.cases.identity import IdentityUnavailableError
from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import Case, IdentityKeyGrant
from sipadu.cases.service import CreatedCase, grant_case
from sipadu.confidential import identity as custody
from sipadu.confidential.models import ApprovalRequest, ApprovalState, RequestReason
from sipadu.confidential.pending import REQUEST_TTL, pending_count, pending_identity_requests
from tests.casework.conftest import conflict_directly
from tests.support.factories import StaffMember, make_case, make_staff

IDENTITY = {"name": "Budi Pelapor", "contact": "budi@example.org"}


@dataclass
class Scene:
    created: CreatedCase
    supervisor: StaffMember
    investigator: StaffMember
    other_investigator: StaffMember
    custodian: StaffMember
    second_custodian: StaffMember
    key: bytes


@pytest.fixture
def scene(app: Flask, db: Session) -> Scene:
    supervisor = make_staff(app, db, "supervisor")
    custodian, second = make_staff(app, db, "custodian"), make_staff(app, db, "custodian")
    investigator, other = make_staff(app, db, "investigator"), make_staff(app, db, "investigator")
    created = make_case(app, db, identity=IDENTITY)
    for member in (investigator, other):
        grant_case(
            db,
            created.case,
            created.dek,
            member.account,
            reason=GrantReason.ASSIGNMENT,
            granted_by=None,
        )
    db.commit()
    keyring = current_settings(app).keyring
    assert keyring is not None
    return Scene(
        created, supervisor, investigator, other, custodian, second, keyring.audit_hmac_key
    )


def _ask(db: Session, s: Scene, who: StaffMember, now: datetime | None = None) -> ApprovalRequest:
    return custody.request_identity(
        db, s.created.case, who.account, RequestReason.PROTECTION, audit_key=s.key, now=now
    )


def _decide(
    db: Session, s: Scene, request: ApprovalRequest, who: StaffMember, approve: bool = True
) -> ApprovalRequest:
    return custody.decide(
        db, request.id, who.account, who.private_key, approve=approve, audit_key=s.key
    )


def _read(db: Session, s: Scene, who: StaffMember, now: datetime | None = None) -> object:
    return custody.read_identity(
        db, s.created.case, who.account, who.private_key, s.created.dek, audit_key=s.key, now=now
    )


def _tags(db: Session) -> list[str]:
    return [e.tag for e in db.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def test_approved_requester_reads_and_nobody_else(db: Session, scene: Scene) -> None:
    request = _ask(db, scene, scene.investigator)
    with pytest.raises(IdentityUnavailableError):
        _read(db, scene, scene.investigator)  # not approved yet
    _decide(db, scene, request, scene.custodian)
    opened = custody.read_identity(
        db,
        scene.created.case,
        scene.investigator.account,
        scene.investigator.private_key,
        scene.created.dek,
        audit_key=scene.key,
    )
    assert opened.document == IDENTITY
    for outsider in (scene.other_investigator, scene.supervisor, scene.custodian):
        with pytest.raises(IdentityUnavailableError):
            _read(db, scene, outsider)
    tags = _tags(db)
    assert tags[-3:] == ["identity:requested", "identity:approved", "identity:opened"]
    details = " ".join(
        e.detail or "" for e in db.scalars(select(AuditEvent).where(AuditEvent.tag.like("id%")))
    )
    assert "Budi" not in details and "example.org" not in details


def test_the_reporter_timeline_names_the_role_once(db: Session, scene: Scene) -> None:
    _decide(db, scene, _ask(db, scene, scene.supervisor), scene.custodian)
    _read(db, scene, scene.supervisor)
    _read(db, scene, scene.supervisor)
    opened = [
        e
        for e in list_timeline(db, scene.created.case, scene.created.dek)
        if e.kind == "identity_opened"
    ]
    assert [(e.text, e.verified) for e in opened] == [("supervisor", True)]


def test_the_requester_cannot_decide_and_a_non_custodian_cannot_either(
    db: Session, scene: Scene
) -> None:
    request = _ask(db, scene, scene.investigator)
    for who in (scene.investigator, scene.supervisor, scene.other_investigator):
        with pytest.raises(custody.NotADeciderError):
            _decide(db, scene, request, who)
    assert db.get(ApprovalRequest, request.id).state == ApprovalState.PENDING  # type: ignore[union-attr]


def test_a_custodian_not_approved_yet_decides_nothing(db: Session, scene: Scene) -> None:
    request = _ask(db, scene, scene.investigator)
    scene.second_custodian.account.activation_approved_at = None  # as after a reactivation
    db.commit()
    for approve in (True, False):
        with pytest.raises(custody.NotADeciderError):
            _decide(db, scene, request, scene.second_custodian, approve=approve)
    assert db.get(ApprovalRequest, request.id).state == ApprovalState.PENDING  # type: ignore[union-attr]


def test_a_refused_request_opens_nothing_and_cannot_be_decided_again(
    db: Session, scene: Scene
) -> None:
    request = _ask(db, scene, scene.investigator)
    _decide(db, scene, request, scene.custodian, approve=False)
    with pytest.raises(IdentityUnavailableError):
        _read(db, scene, scene.investigator)
    with pytest.raises(custody.RequestClosedError):
        _decide(db, scene, request, scene.second_custodian)
    assert "identity:refused" in _tags(db)


def test_only_case_handlers_may_ask_and_only_once(app: Flask, db: Session, scene: Scene) -> None:
    stranger = make_staff(app, db, "investigator")  # holds no grant on the case
    with pytest.raises(custody.NotHandlingCaseError):
        _ask(db, scene, stranger)
    with pytest.raises(custody.NotHandlingCaseError):
        _ask(db, scene, scene.custodian)
    conflict_directly(db, scene.created, scene.other_investigator)
    with pytest.raises(custody.NotHandlingCaseError):
        _ask(db, scene, scene.other_investigator)
    _ask(db, scene, scene.investigator)
    with pytest.raises(custody.DuplicateRequestError):
        _ask(db, scene, scene.investigator)
    without = make_case(app, db)
    with pytest.raises(custody.NoIdentityError):
        custody.request_identity(
            db, without.case, scene.supervisor.account, RequestReason.LEGAL, audit_key=scene.key
        )


def test_the_permission_expires_and_its_grant_is_deleted(db: Session, scene: Scene) -> None:
    _decide(db, scene, _ask(db, scene, scene.investigator), scene.custodian)
    later = datetime.now(UTC) + custody.READ_TTL + timedelta(minutes=1)
    with pytest.raises(IdentityUnavailableError):
        _read(db, scene, scene.investigator, now=later)
    db.commit()
    holders = set(db.scalars(select(IdentityKeyGrant.staff_id)))
    assert scene.investigator.account.id not in holders
    assert holders == {scene.custodian.account.id, scene.second_custodian.account.id}


def test_a_pending_request_lapses_and_leaves_the_home_count(db: Session, scene: Scene) -> None:
    request = _ask(db, scene, scene.investigator)
    actions = (custody.OPEN_IDENTITY,)
    assert pending_count(db, actions) == 1
    later = datetime.now(UTC) + REQUEST_TTL + timedelta(minutes=1)
    assert pending_count(db, actions, now=later) == 0
    assert pending_identity_requests(db, now=later) == []
    with pytest.raises(custody.RequestClosedError):
        custody.decide(
            db,
            request.id,
            scene.custodian.account,
            scene.custodian.private_key,
            approve=True,
            audit_key=scene.key,
            now=later,
        )
    assert db.get(ApprovalRequest, request.id).state == ApprovalState.EXPIRED  # type: ignore[union-attr]


def test_withdrawal_before_opening_removes_every_copy(db: Session, scene: Scene) -> None:
    request = _decide(db, scene, _ask(db, scene, scene.investigator), scene.custodian)
    custody.withdraw_identity(db, scene.created.case, audit_key=scene.key)
    db.commit()
    case = db.get(Case, scene.created.case.id)
    assert case is not None and case.identity_sealed is None
    assert case.identity_escrow_grant is None
    assert db.scalars(select(IdentityKeyGrant)).all() == []
    assert db.get(ApprovalRequest, request.id).state == ApprovalState.WITHDRAWN  # type: ignore[union-attr]
    with pytest.raises(IdentityUnavailableError):
        _read(db, scene, scene.investigator)


def test_withdrawal_after_opening_is_refused(db: Session, scene: Scene) -> None:
    _decide(db, scene, _ask(db, scene, scene.investigator), scene.custodian)
    _read(db, scene, scene.investigator)
    with pytest.raises(custody.IdentityAlreadyOpenedError):
        custody.withdraw_identity(db, scene.created.case, audit_key=scene.key)
    assert scene.created.case.identity_sealed is not None


def test_custodians_are_told_of_a_request_and_the_requester_of_the_answer(
    db: Session, scene: Scene
) -> None:
    from sipadu.notify.models import PendingNotification

    def queued() -> set[tuple[int, str]]:
        rows = db.scalars(select(PendingNotification))
        return {(row.staff_id, str(row.kind)) for row in rows}

    before = queued()
    request = _ask(db, scene, scene.investigator)
    custodians = {scene.custodian.account.id, scene.second_custodian.account.id}
    assert queued() - before == {(c, "identity_request") for c in custodians}
    _decide(db, scene, request, scene.custodian, approve=False)
    assert (scene.investigator.account.id, "identity_answer") in queued()


def test_a_purged_case_leaves_no_identity_key_or_request_behind(db: Session, scene: Scene) -> None:
    from sipadu.ops.retention import purge_case

    _decide(db, scene, _ask(db, scene, scene.investigator), scene.custodian)
    db.commit()
    purge_case(db, scene.created.case, audit_key=scene.key)
    assert db.scalars(select(IdentityKeyGrant)).all() == []
    assert db.scalars(select(ApprovalRequest)).all() == []


def _reseal(db: Session, s: Scene, identity: dict[str, str]) -> None:
    from sipadu.reporting.service import disclose_identity

    disclose_identity(db, s.created.case, identity, s.key, None)
    db.commit()


NEW_IDENTITY = {"name": "Budi Baru", "contact": "0812-0000-1111"}


def test_new_details_leave_the_opened_version_with_its_reader(db: Session, scene: Scene) -> None:
    _decide(db, scene, _ask(db, scene, scene.investigator), scene.custodian)
    _read(db, scene, scene.investigator)
    _reseal(db, scene, NEW_IDENTITY)
    kept = custody.read_identity(
        db,
        scene.created.case,
        scene.investigator.account,
        scene.investigator.private_key,
        scene.created.dek,
        audit_key=scene.key,
    )
    assert kept.document == IDENTITY and kept.earlier
    # The new version was opened by nobody: the reporter may withdraw it, and asking for
    # it is allowed although the approval of the old one still lasts.
    request = _ask(db, scene, scene.investigator)
    _decide(db, scene, request, scene.second_custodian)
    current = _read(db, scene, scene.investigator)
    assert current.document == NEW_IDENTITY and not current.earlier  # type: ignore[attr-defined]
    with pytest.raises(custody.IdentityAlreadyOpenedError):
        custody.withdraw_identity(db, scene.created.case, audit_key=scene.key)


def test_the_new_version_may_be_withdrawn_while_the_old_one_stays_opened(
    db: Session, scene: Scene
) -> None:
    _decide(db, scene, _ask(db, scene, scene.investigator), scene.custodian)
    _read(db, scene, scene.investigator)
    _reseal(db, scene, NEW_IDENTITY)
    assert not custody.identity_opened(db, scene.created.case)
    custody.withdraw_identity(db, scene.created.case, audit_key=scene.key)
    kept = _read(db, scene, scene.investigator)
    assert kept.document == IDENTITY  # type: ignore[attr-defined]
    later = datetime.now(UTC) + custody.READ_TTL + timedelta(minutes=1)
    with pytest.raises(IdentityUnavailableError):
        _read(db, scene, scene.investigator, now=later)
    from sipadu.cases.models import IdentityVersionRead

    assert db.scalars(select(IdentityVersionRead)).all() == []


def test_an_approval_nobody_used_ends_with_the_replaced_version(db: Session, scene: Scene) -> None:
    request = _decide(db, scene, _ask(db, scene, scene.investigator), scene.custodian)
    pending = _ask(db, scene, scene.supervisor)
    _reseal(db, scene, NEW_IDENTITY)
    assert db.get(ApprovalRequest, request.id).state == ApprovalState.WITHDRAWN  # type: ignore[union-attr]
    with pytest.raises(IdentityUnavailableError):
        _read(db, scene, scene.investigator)
    # A pending request is decided on the new version.
    _decide(db, scene, pending, scene.custodian)
    assert _read(db, scene, scene.supervisor).document == NEW_IDENTITY  # type: ignore[attr-defined]
    _ask(db, scene, scene.investigator)  # may ask again
