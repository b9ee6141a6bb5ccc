"""Who may open which case: need-to-know by grant, conflicts always excluded.

Supervisors read the cases they hold a grant for; investigators only those assigned to them
(grant reason "assignment" or "recovery"). Admins and auditors hold no case keys and read no
content. An unknown case code and a case the caller may not read are refused alike, so the
answer never tells whether a code exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from sipadu.audit.actors import staff_actor
from sipadu.cases.kinds import ASSIGNED_REASONS
from sipadu.cases.models import Case
from sipadu.cases.service import (
    CaseAccessError,
    case_by_code,
    grant_for,
    is_conflicted,
    unlock_case_for_staff,
)
from sipadu.casework.inbox import INBOX_ROLES
from sipadu.roles import StaffRole


class CaseForbiddenError(CaseAccessError):
    """This person may not read this case (or no such case exists: the same answer)."""


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member acting on a case."""

    staff_id: int
    role: str
    private_key: bytes = field(repr=False)

    @property
    def audit_actor(self) -> str:
        """How the audit log names this person."""
        return staff_actor(self.staff_id)


@dataclass(frozen=True)
class OpenCase:
    """A case its reader may work on, with the DEK their grant unwrapped."""

    case: Case
    dek: bytes = field(repr=False)
    grant_reason: str


def normalise_code(code: str) -> str:
    """Case codes are upper case; accept what a person types."""
    return code.strip().upper()[:32]


def open_case(db: Session, code: str, actor: Actor) -> OpenCase:
    """The case and its DEK for ``actor``, or ``CaseForbiddenError``."""
    if actor.role not in INBOX_ROLES:
        raise CaseForbiddenError("role reads no case content")
    case = case_by_code(db, normalise_code(code))
    if case is None:
        raise CaseForbiddenError("no such case")
    grant = grant_for(db, case, actor.staff_id)
    if grant is None or is_conflicted(db, case, actor.staff_id):
        raise CaseForbiddenError("no grant")
    if actor.role == StaffRole.INVESTIGATOR and grant.reason not in ASSIGNED_REASONS:
        raise CaseForbiddenError("not assigned")
    try:
        dek = unlock_case_for_staff(db, case, actor.staff_id, actor.private_key)
    except CaseAccessError:
        raise CaseForbiddenError("grant does not open") from None
    return OpenCase(case, dek, grant.reason)
