"""The four-eyes rules, one row per action: who may ask, who may approve.

Nobody ever approves their own request, whatever their role (``may_approve``). Every action
is wired: opening an identity (``identity.py``), forwarding (``forward_request.py``), export
(``export.py``) and publishing a redaction (``redaction_publish.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sipadu.confidential.models import ApprovalAction
from sipadu.roles import StaffRole

_WORKERS = frozenset({StaffRole.SUPERVISOR, StaffRole.INVESTIGATOR})


@dataclass(frozen=True)
class FourEyesRule:
    """Who may ask for an action and who may approve it."""

    requesters: frozenset[StaffRole]
    approvers: frozenset[StaffRole]


RULES: dict[ApprovalAction, FourEyesRule] = {
    ApprovalAction.OPEN_IDENTITY: FourEyesRule(_WORKERS, frozenset({StaffRole.CUSTODIAN})),
    # Forwarding is a supervisor's decision in the workflow table; asking follows it.
    ApprovalAction.FORWARD_CASE: FourEyesRule(
        frozenset({StaffRole.SUPERVISOR}), frozenset({StaffRole.SUPERVISOR})
    ),
    ApprovalAction.EXPORT_CASE: FourEyesRule(_WORKERS, frozenset({StaffRole.SUPERVISOR})),
    ApprovalAction.PUBLISH_REDACTION: FourEyesRule(_WORKERS, frozenset({StaffRole.SUPERVISOR})),
}


def may_request(action: ApprovalAction, role: str) -> bool:
    """True when ``role`` may ask for ``action``."""
    return role in RULES[action].requesters


def may_approve(
    action: ApprovalAction, *, requester_id: int, approver_id: int, approver_role: str
) -> bool:
    """True when this approver may decide this requester's request: the right role and
    another person."""
    return approver_id != requester_id and approver_role in RULES[action].approvers


def approver_actions(role: str) -> tuple[ApprovalAction, ...]:
    """The actions ``role`` decides on (what its home page counts)."""
    return tuple(action for action, rule in RULES.items() if role in rule.approvers)
