"""The four-eyes rules, pair by pair: every action x requester role x approver role, and the
same person never approves their own request whatever their role."""

from __future__ import annotations

import itertools

import pytest

from sipadu.confidential.models import ApprovalAction
from sipadu.confidential.rules import RULES, approver_actions, may_approve, may_request
from sipadu.roles import ROLES, StaffRole

SUP, INV, CUS = StaffRole.SUPERVISOR, StaffRole.INVESTIGATOR, StaffRole.CUSTODIAN
# The rules written out again, independently of the table: action -> (askers, approvers).
EXPECTED = {
    ApprovalAction.OPEN_IDENTITY: ({SUP, INV}, {CUS}),
    ApprovalAction.FORWARD_CASE: ({SUP}, {SUP}),
    ApprovalAction.EXPORT_CASE: ({SUP, INV}, {SUP}),
    ApprovalAction.PUBLISH_REDACTION: ({SUP, INV}, {SUP}),
}
PAIRS = list(itertools.product(ApprovalAction, ROLES, ROLES))


def test_every_action_has_a_rule() -> None:
    assert set(RULES) == set(ApprovalAction) == set(EXPECTED)


@pytest.mark.parametrize(("action", "requester", "approver"), PAIRS)
def test_pair(action: ApprovalAction, requester: StaffRole, approver: StaffRole) -> None:
    askers, approvers = EXPECTED[action]
    assert may_request(action, requester) is (requester in askers)
    # Two different people: the approver's role alone decides.
    assert may_approve(action, requester_id=1, approver_id=2, approver_role=approver) is (
        approver in approvers
    )
    # The same person: never, even with an approver's role.
    assert not may_approve(action, requester_id=7, approver_id=7, approver_role=approver)


@pytest.mark.parametrize("role", ROLES)
def test_no_role_approves_what_it_may_ask_for_opening_an_identity(role: StaffRole) -> None:
    action = ApprovalAction.OPEN_IDENTITY
    assert not (
        may_request(action, role)
        and may_approve(action, requester_id=1, approver_id=2, approver_role=role)
    )


def test_approver_actions_for_the_home_counts() -> None:
    assert approver_actions(CUS) == (ApprovalAction.OPEN_IDENTITY,)
    assert set(approver_actions(SUP)) == {
        ApprovalAction.FORWARD_CASE,
        ApprovalAction.EXPORT_CASE,
        ApprovalAction.PUBLISH_REDACTION,
    }
    assert approver_actions(StaffRole.ADMIN) == approver_actions(StaffRole.AUDITOR) == ()
